// Package redisledger is a router.Ledger kept in Redis, so that the pacers
// of several gateway replicas share one spend per budget account (global,
// per team, per API key, each with its own router.Period). It is a nested
// module (github.com/budgetkit/budgetkit/router/redisledger) so that the
// main module does not depend on a Redis client; it uses
// github.com/redis/go-redis/v9 and only commands of Redis 4.0 and later
// (tested with Redis 7.0).
//
//	c := redis.NewClient(&redis.Options{Addr: "localhost:6379"})
//	l, err := redisledger.New(ctx, redisledger.Config{
//		Client: c,
//		Accounts: []router.Account{
//			{Name: "global", Limit: 500_000_000}, // $500 in micro-dollars, never resets
//			{Name: "key:abc", Limit: 5_000_000, Period: router.Period{Kind: router.Daily, Location: time.UTC}},
//		},
//	})
//	err = l.Reserve(ctx, time.Now(), router.Hold{ID: id, Accounts: []string{"global", "key:abc"}, Amount: 1200, Deadline: time.Now().Add(time.Minute)})
//	…
//	err = l.Settle(ctx, time.Now(), id, 950)
//
// # How it works
//
// Every operation is one Lua script run atomically on the Redis primary
// (EVALSHA; go-redis re-sends the script when the server answers NOSCRIPT),
// so Reserve, Settle, Release and Balance each cost one round trip, and a
// request that reserves and settles costs two. Reserve checks
// spent + held + amount ≤ limit on every account of the hold's path and
// holds the amount on all of them, or on none. Money is an exact integer
// count of units (HINCRBY), compared exactly in the scripts; limits and
// amounts up to MaxUnits = 2⁶² are accepted, as router.PacerConfig's are.
//
// Keys, all under the hash tag {Namespace}, so that on Redis Cluster a
// ledger lives in one slot (it is not sharded; the scripts also touch keys
// they find through the deadline set, which Cluster allows within a slot —
// tested on standalone Redis only):
//
//	{ns}:a:<account>:<period start in Unix ns, or "life">  hash {spent, held}
//	{ns}:h:<hold id>                                       string: call token, amount, deadline, account keys charged
//	{ns}:d                                                 sorted set of hold ids by deadline (Unix µs)
//
// A hold stores the keys of the periods it charged, so Settle books spend
// in the period the hold was made in even when it settles after the
// boundary. A period key expires Grace after the later of its period's end
// and the deadlines of the holds charging it; Lifetime keys never expire. A
// hold's key expires with the longest-lived period key it charges (never,
// if it charges a Lifetime account), so a hold never outlives nor is
// outlived by the held amounts it stands for. Expire releases holds whose
// deadline is at or before now, ExpireBatch per round trip; every Reserve
// also releases up to ExpireBatch overdue holds in passing, so a busy ledger
// needs no Expire loop and no background goroutine (there is none). When
// nothing is outstanding, only period keys remain.
//
// Times are parameters, read from the caller's clock: periods and
// deadlines come from the now passed in; TTLs are sent as durations
// relative to that now, so a skew between the caller's and the server's
// clock shifts no TTL.
//
// # Consistency model
//
// With one Redis primary (standalone, or Sentinel without failover during
// the period), the ledger is linearizable: every operation is a script
// executed atomically in the primary's single order, reads included
// (Balance reads the primary through the Client given). Two replicas never
// both admit into the same last unit of room.
//
// What a replica may see stale:
//   - A Balance is exact at the instant Redis executed it and stale as soon
//     as it returns; a pacer that steers by it (its dual price) lags the
//     spend other replicas made since. Admission never relies on it:
//     Reserve re-checks the limits inside its script.
//   - A Client configured to read from Redis replicas (ReadOnly,
//     RouteByLatency, RouteRandomly) may answer Balance from a replica lagging
//     by its replication delay. Scripts write, so they always run on the
//     primary.
//   - Account definitions are per Ledger value: a replica that has not yet
//     called AddAccount refuses holds on that account (router.ErrInvalid),
//     and a replica configured with another Limit admits against its own.
//
// Worst-case overspend. Under these conditions — (1) every settle's actual
// ≤ its hold's amount, (2) no acknowledged write is lost (one primary, no
// failover, and a restart only with AOF appendfsync always), (3) every
// replica defines each account with the same Limit and Period, (4) each
// hold is settled before its deadline (or not at all) and callers' clocks
// differ by less than the shortest hold lifetime minus the request time,
// and (5) callers that fail open during an outage count what they serve —
// Spent ≤ Limit in every account and period, exactly: there is no
// overspend. Each condition that fails adds a bound:
//   - (1): Spent ≤ Limit + Σ over holds of max(0, actual − amount).
//   - (2): Redis replication is asynchronous; a failover or a restart
//     without persistence loses the writes not yet replicated or saved. Lost
//     reserves over-admit and lost settles under-count, by at most the spend
//     made in the lost window — up to a whole period's Limit per account if
//     the whole state is lost (a restart without persistence).
//   - (4): a hold expired before its settle (deadline too short, or a
//     caller whose clock runs ahead expiring it early) makes the settle fail
//     with router.ErrUnknownReservation; that request's actual cost is not
//     counted, so the overspend is at most the sum of such requests' actuals.
//     Near a period boundary, a replica whose clock lags by δ books up to
//     δ's worth of spend into the old period; every period stays within its
//     Limit.
//   - (5): a replica that fails open serves without reserving; the bound is
//     its local cap times the number of replicas, per outage.
//
// Retries. Every call carries a token unique to it. When the client
// library resends a call whose reply was lost (go-redis does so on network
// errors, Options.MaxRetries), the script recognises the token and answers
// as the first attempt did, without holding or charging again; a finished
// hold leaves a tombstone with its token for ReplayWindow (one minute) for
// this purpose. A new call is another matter: a caller that retries a
// Reserve after router.ErrLedgerUnavailable may find its hold already made
// (router.ErrInvalid: ID in use; it is released at its deadline), and a
// retried Settle or Release whose first attempt ran fails with
// router.ErrUnknownReservation. Nothing is ever counted twice; the
// router.Pacer then drops the reservation locally without recording its
// spend, so its local view (PacerStats) under-counts by such settles while
// the ledger is exact.
//
// A hold is live until its deadline, as in router.MemoryLedger: a Settle
// or Release at or after it releases the hold and fails with
// router.ErrUnknownReservation. Balance reads the period key as stored, so
// its Held may include overdue holds no Reserve or Expire has released yet.
// Unlike MemoryLedger, Balance at an earlier time reads that earlier period
// (until its keys expire, Grace after it ends).
//
// Errors: network and server failures (and a cancelled context) wrap
// router.ErrLedgerUnavailable; an account without room wraps
// router.ErrBudgetExhausted (and so router.ErrRejected) and names the
// account; a hold that is not live wraps router.ErrUnknownReservation; bad
// input wraps router.ErrInvalid and names the field. A refused call changes
// nothing.
//
// The ledger's state lives in Redis, so a Ledger has no Snapshot/Restore:
// use Redis persistence (AOF) to keep it across restarts.
package redisledger
