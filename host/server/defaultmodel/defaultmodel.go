package defaultmodel

import _ "embed"

//go:embed default.seminar
var file []byte

// Name is the file name of the embedded model, for logs and the model info route.
const Name = "default.seminar"

// File returns a copy of the embedded model file, so that no caller can change what the next
// one gets.
func File() []byte { return append([]byte(nil), file...) }
