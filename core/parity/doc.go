// Package parity holds the golden rankings that every runner of the scoring model must
// reproduce — native core, the SIMD and scalar modules through the Go host, and the other
// embedders (Node, the browser, JavaScriptCore) — and the code that generates them from native
// core and compares a runner's answer with them.
//
// The fixtures live in testdata/parity: model-4bit.seminar and model-8bit.seminar (one small
// random model, with a 4-bit two-stage and an 8-bit product-quantization codec trained on the
// events) and cases.json: the events and the rank requests as the ABI's own messages (core/abi,
// in their JSON form, whose keys are the wire's), with the expected orders and scores. Nothing
// here restates the messages' fields, so the fixture cannot drift from the ABI.
package parity
