// Package modelfile writes and reads the SEMINAR model file: a model's configuration, every
// parameter tensor, and optional named extra sections, in one MessagePack document with a
// checksum. It uses core/msgp, so the wasm module can load a model without a reflection-based
// codec.
//
// # Format, version 1
//
// The file is one MessagePack map of six entries, in this order:
//
//	"magic"   str   "seminar-model"
//	"version" int   1
//	"config"  map   "dim", "heads", "top_k", "id_buckets", "token_buckets", "attr_buckets"
//	                (int), "dense_dims", "mlp_hidden" (array of int), "seed" (uint), and
//	                optionally "age_buckets" (int, 0 when absent); the fields of model.Config,
//	                in any order, each at most once, all but the optional ones present
//	"tensors" array one map per tensor of model.Model.Tensors, in any order, each exactly once:
//	                "name" (str), "shape" (array of int), "data" (bin: the float32 values,
//	                row-major, little-endian, 4 bytes each), in any order
//	"extras"  map   section name (str) → bin; may be empty
//	"crc32"   uint  written as a MessagePack uint32 (0xce and 4 bytes, big-endian)
//
// The file therefore ends with the 11 bytes a5 'c' 'r' 'c' '3' '2' ce and the checksum: the
// CRC-32 (IEEE polynomial, as in zip and PNG) of every byte before those 11.
//
// Extras carry data that belongs with a model but is not part of it, such as the product
// quantization codebooks. Readers return every section and ignore the ones they do not know,
// so sections can be added without a new format version. Anything else new needs one.
//
// Load checks everything and reports what is wrong: the magic, the version, the checksum, the
// structure, the configuration's bounds (model.Config.Validate), unknown, duplicate or missing
// tensors, shapes against the configuration, values that are not finite, and the limits below.
package modelfile
