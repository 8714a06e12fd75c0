// Package eval is the evaluation protocol every model of the project is measured with.
//
// A Task splits a dataset into training sequences and validation and test cases. A case is a
// user's history and a target event: the model ranks the target's item against sampled negative
// items, every candidate paired with the target's query. Two splits exist:
//   - LeaveOneOut: by time, each user's last event is the test case (history: everything
//     before it), the second-to-last the validation case, the rest the training sequence. Users
//     with too few events to split train with all their events and are not evaluated.
//   - BestBuyHeldOut: the Best Buy clicks of test.csv are the cases (each with its user's earlier
//     train.csv clicks as history), split between validation and test by a hash of the user;
//     the clicks of train.csv are the training sequences. Item text was built from train.csv
//     queries only, so no evaluated query is in the catalogue.
//
// Candidates are drawn once per split from a seed: for each case, n distinct items the user never
// interacted with. They are saved (SaveCandidates) and loaded, so that every model ranks exactly
// the same candidates. Evaluate runs a Ranker over the cases on several goroutines, each with its
// own Ranker and metrics accumulator over a contiguous block of cases, merged in order: for a
// given number of workers the results are identical whatever the scheduling (other counts group
// the float64 sums differently and agree to rounding).
package eval
