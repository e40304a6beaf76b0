# Reference for TestRaschMatchesLme4: a Rasch model fitted by marginal
# maximum likelihood to lme4's VerbAgg data (316 persons x 24 items, the
# binary response r2), with lme4::glmer and adaptive Gauss-Hermite
# quadrature (nAGQ = 25), logit P = beta_item + u_person, u ~ N(0, sigma^2).
#
# Run:  Rscript verbagg_rasch.R > verbagg_rasch.csv
# (Debian: apt-get install r-base-core r-cran-lme4.)
#
# Output: the response matrix (persons x items, 1 = "Y"), then the fitted
# intercepts beta_j and the ability SD sigma, all as CSV.
suppressMessages(library(lme4))
data(VerbAgg)
fit <- glmer(r2 ~ 0 + item + (1 | id), data = VerbAgg, family = binomial, nAGQ = 25,
             control = glmerControl(optimizer = "bobyqa", optCtrl = list(maxfun = 1e5)))
beta <- unname(fixef(fit))
sigma <- attr(VarCorr(fit)$id, "stddev")[[1]]
x <- xtabs(as.integer(r2 == "Y") ~ id + item, data = VerbAgg)
cat(sprintf("# lme4 %s, R %s, nAGQ = 25, logLik %.6f\n", packageVersion("lme4"), getRversion(), logLik(fit)))
cat("sigma,", sprintf("%.8f", sigma), "\n", sep = "")
cat("beta,", paste(sprintf("%.8f", beta), collapse = ","), "\n", sep = "")
for (i in seq_len(nrow(x))) cat("x,", paste(x[i, ], collapse = ","), "\n", sep = "")
