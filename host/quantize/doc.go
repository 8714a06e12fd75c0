// Package quantize holds the codec recipes of the command line: the named layout presets,
// training a product-quantization codec for a model on a dataset's events, and reading the
// model files that carry one. The quantize command, the bench, the demo and the study all
// train their codecs here, so that one preset means one codec everywhere.
package quantize
