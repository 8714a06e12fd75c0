// Package baseline holds the retrieval rules that decide which events of a user's history the
// exact attention (ESU) of a ranking model reads for a target pair. SEMINAR and every baseline
// share the same encoders, ESU and scoring MLP (core/model); they differ only in this rule:
//
//   - GSU: the model's own general search unit, per head the K events of highest
//     a_h(j) = (W_Qg^h t)·(W_Kg^h s_j)/√d_h, union over heads, exactly as core/model.Scorer keeps
//     them. SEMINAR uses it with the GSU weights its pretraining learned; TWIN uses it with the
//     GSU weights tied to the ESU's (exact search with the ESU's own attention).
//   - LastN: the N most recent events (DIN-style attention over a short sequence).
//   - SameAttr: the K most recent events whose item shares an attribute value with the
//     candidate (SIM hard search by category).
//   - SimHash: the K events whose event vectors' SimHash signatures are nearest in Hamming
//     distance to the target's (ETA).
//
// Selection is not differentiable: trainers call it on current values and backpropagate through
// the ESU over the kept events only. A Selector owns work buffers and serves one goroutine.
package baseline
