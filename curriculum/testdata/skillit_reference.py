#!/usr/bin/env python3
"""Reference mixtures for curriculum.SkillIt, following the update of
HazyResearch/skill-it trainer/mw_trainer.py (MWTrainer.train) step by step,
re-expressed with the Python standard library (no numpy) for the paths the
Go type implements: a K x K graph (1 on the diagonal, 0.5 on each edge),
mw_prior, mw_window, normalize_loss, eta_schedule and dynamic_lambda.

Run from curriculum/testdata:

    python3 skillit_reference.py > skillit_reference.json

For each case it records the mixture before any evaluation (the reference's
weights_init * exp(eta * graph . loss_init), with loss_init = weights_init)
and after each evaluation, twice:

  * "reference": loss_0 as the reference sets it -- the first evaluation's
    losses, then overwritten by the second evaluation's (its
    `elif counter == ckpt_steps` branch);
  * "first_loss": loss_0 kept at the first evaluation's losses (the
    package's default).

Exponentials are shifted by their maximum before normalising (the reference
normalises exp() directly; the ratios are the same when it does not
overflow, and the cases here do not).
"""
import json
import math
import random


def normalise(logits):
    m = max(logits)
    w = [math.exp(x - m) for x in logits]
    z = sum(w)
    return [x / z for x in w]


def matvec(g, v):
    return [sum(g[i][j] * v[j] for j in range(len(v))) for i in range(len(g))]


def run(k, edges, prior, eta, window, normalize, eta_schedule, dynamic_lambda, losses, quirk):
    graph = [[1.0 if i == j else 0.0 for j in range(k)] for i in range(k)]
    for i, j in edges:
        if i != j:
            graph[i][j] = 0.5
    weights_init = list(prior) if prior is not None else [1.0] * k
    loss_init = weights_init
    out = [normalise([math.log(weights_init[i]) + eta * x for i, x in enumerate(matvec(graph, loss_init))])]
    all_losses = []
    loss_0 = None
    for t, lt in enumerate(losses):
        # Evaluation at counter = t * ckpt_steps.
        if t == 0:
            loss_0 = list(lt)
        elif t == 1 and quirk:
            loss_0 = list(lt)
        all_losses.append(list(lt))
        # Mixture update.
        idx = len(all_losses)
        eta_t = eta / (sum(all_losses[-1]) / sum(loss_0)) if eta_schedule else eta
        lo = max(0, idx - window)
        loss_arr = [sum(v[i] for v in all_losses[lo:idx]) for i in range(k)]
        if normalize:
            loss_arr = [loss_arr[i] / loss_0[i] for i in range(k)]
        dot = matvec(graph, loss_arr)
        out.append(normalise([math.log(weights_init[i]) + eta_t * dot[i] for i in range(k)]))
        if dynamic_lambda:
            for i in range(k):
                for j in range(k):
                    if graph[i][j] > 0 and i != j:
                        graph[i][j] /= 2
    return out


def main():
    rng = random.Random(3)
    cases = [
        # Issue 18's example: the starting mixture is [0.452, 0.274, 0.274].
        {"name": "issue", "k": 3, "edges": [[0, 1], [0, 2]], "prior": None, "eta": 0.5, "window": 3,
         "normalize": False, "eta_schedule": False, "dynamic_lambda": False, "losses": [[1.0, 2.0, 3.0]]},
    ]
    for c in range(12):
        k = rng.randint(2, 6)
        edges = [[i, j] for i in range(k) for j in range(k) if i != j and rng.random() < 0.35]
        prior = [rng.uniform(0.5, 2) for _ in range(k)] if c % 3 == 0 else None
        losses = [[rng.uniform(0.5, 3.0) for _ in range(k)] for _ in range(5)]
        cases.append({"name": f"random-{c}", "k": k, "edges": edges, "prior": prior,
                      "eta": rng.choice([0.1, 0.2, 0.5, 0.8]), "window": rng.choice([1, 2, 3]),
                      "normalize": c % 2 == 1, "eta_schedule": c % 4 >= 2, "dynamic_lambda": c % 5 == 4,
                      "losses": losses})
    for case in cases:
        args = (case["k"], case["edges"], case["prior"], case["eta"], case["window"], case["normalize"],
                case["eta_schedule"], case["dynamic_lambda"], case["losses"])
        case["reference"] = run(*args, quirk=True)
        case["first_loss"] = run(*args, quirk=False)
    print(json.dumps(cases, indent=1))


if __name__ == "__main__":
    main()
