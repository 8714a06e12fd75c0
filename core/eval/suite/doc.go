// Package suite runs the project's model comparison: for each dataset and seed it pretrains the
// PSU, trains SEMINAR, SEMINAR without pretraining, the baselines (DIN, SIM, ETA, TWIN) and the
// one-modality-less ablations with the same encoders, data and training budget, evaluates every
// model on the same saved candidates (core/eval), and aggregates mean ± std over the seeds. It
// also writes the report: the Markdown tables, the JSON of every run and the loss-curve image.
//
// Hyperparameters are chosen on the validation split only: every finetuning keeps the epoch
// with the best validation NDCG@10, and the test split is ranked once, by that model.
package suite
