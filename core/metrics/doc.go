// Package metrics scores rankings: for one test case, the score of the positive item and the
// scores of its negatives give the positive's rank and from it HIT@k, NDCG@k, MRR and AUC; an
// Accumulator averages them over cases, and Summarize gives mean ± standard deviation over
// seeds.
//
// # Ties
//
// A negative that scores exactly as the positive is a tie, and ties are broken uniformly at
// random in expectation: with g negatives above the positive and e tied with it, the positive's
// rank is uniform over g+1 … g+e+1, and every metric is its exact expected value over that
// range (AUC counts a tie as half a correctly ordered pair). This is deterministic, it
// neither rewards nor punishes a model that gives many items the same score (a constant scorer
// gets the metrics of a random ranking), and without ties it is the usual definition.
//
// A NaN score ranks below every number, and NaN ties with NaN, so a model that outputs NaN
// for the positive gets the worst rank instead of a silently undefined one.
package metrics
