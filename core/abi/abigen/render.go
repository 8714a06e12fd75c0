package abigen

import (
	"bytes"
	"errors"
	"fmt"
	"go/ast"
	"strings"
)

// replies are the messages only the module writes: their fields without omitempty are always
// there.
var replies = map[string]bool{"EventCount": true, "RankReply": true, "Timings": true, "ModelInfo": true}

// Markers delimit the generated part of a document.
const (
	BeginMarker = "<!-- abigen: begin; generated from core/abi/messages.go by go test ./core/abi/abigen -update -->"
	EndMarker   = "<!-- abigen: end -->"
)

// Splice replaces the text between the markers of doc with gen.
func Splice(doc, gen []byte) ([]byte, error) {
	begin := bytes.Index(doc, []byte(BeginMarker))
	end := bytes.Index(doc, []byte(EndMarker))
	if begin < 0 || end < begin {
		return nil, errors.New("abigen: the document lacks the abigen markers")
	}
	var out bytes.Buffer
	out.Write(doc[:begin+len(BeginMarker)])
	out.WriteString("\n")
	out.Write(gen)
	out.Write(doc[end:])
	return out.Bytes(), nil
}

// Markdown writes the message and enumeration tables.
func (s *Schema) Markdown() ([]byte, error) {
	var b bytes.Buffer
	for i := range s.Messages {
		m := &s.Messages[i]
		fields, err := s.fields(m)
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(&b, "#### %s\n\n%s\n\n", m.Name, m.Doc)
		b.WriteString("| key | type | presence | meaning |\n| --- | --- | --- | --- |\n")
		for _, f := range fields {
			presence := "optional"
			switch {
			case f.Required:
				presence = "required"
			case replies[m.Name] && !f.Omit:
				presence = "always"
			case replies[m.Name]:
				presence = "when not zero"
			}
			fmt.Fprintf(&b, "| `%s` | %s | %s | %s |\n", f.Key, s.mdType(f.Type), presence, strings.ReplaceAll(f.Doc, "|", `\|`))
		}
		b.WriteString("\n")
	}
	for _, e := range s.Enums {
		fmt.Fprintf(&b, "#### %s\n\n%s\n\n| value | name | meaning |\n| --- | --- | --- |\n", e.Name, e.Doc)
		for _, v := range e.Values {
			fmt.Fprintf(&b, "| `%s` | %s | %s |\n", v.Value, v.Name, v.Doc)
		}
		b.WriteString("\n")
	}
	for _, m := range s.Maps {
		fmt.Fprintf(&b, "#### %s\n\n%s A map from %s to %s.\n\n", m.Name, m.Doc, s.mdName(m.Key), s.mdName(m.Value))
	}
	return b.Bytes(), nil
}

func (s *Schema) mdType(e ast.Expr) string {
	switch t := e.(type) {
	case *ast.ArrayType:
		return "array of " + s.mdType(t.Elt)
	case *ast.Ident:
		return s.mdName(t.Name)
	}
	return exprString(e)
}

func (s *Schema) mdName(name string) string {
	switch name {
	case "string":
		return "str"
	case "int", "int32", "int64", "uint32":
		return "int"
	case "bool", "float32", "float64":
		return name
	}
	for _, e := range s.Enums {
		if e.Name == name {
			if e.Kind == "string" {
				return "str ([" + name + "](#" + strings.ToLower(name) + "))"
			}
			return "int ([" + name + "](#" + strings.ToLower(name) + "))"
		}
	}
	return "[" + name + "](#" + strings.ToLower(name) + ")"
}

// TypeScript writes the declarations of the messages for the web package.
func (s *Schema) TypeScript() ([]byte, error) {
	var b bytes.Buffer
	b.WriteString("// The ABI's messages (docs/abi.md), generated from core/abi/messages.go by\n" +
		"// `go test ./core/abi/abigen -update`: do not edit.\n\n")
	for _, e := range s.Enums {
		vals := make([]string, len(e.Values))
		for i, v := range e.Values {
			vals[i] = v.Value
			if e.Kind == "string" {
				vals[i] = "'" + strings.Trim(v.Value, `"`) + "'"
			}
		}
		fmt.Fprintf(&b, "/** %s */\nexport type %s = %s;\n\n", e.Doc, e.Name, strings.Join(vals, " | "))
	}
	for _, m := range s.Maps {
		fmt.Fprintf(&b, "/** %s */\nexport type %s = Partial<Record<%s, %s>>;\n\n", m.Doc, m.Name, s.tsName(m.Key), s.tsName(m.Value))
	}
	for i := range s.Messages {
		m := &s.Messages[i]
		fields, err := s.fields(m)
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(&b, "/** %s */\nexport interface %s {\n", m.Doc, m.Name)
		for _, f := range fields {
			opt := "?"
			if f.Required || (replies[m.Name] && !f.Omit) {
				opt = ""
			}
			fmt.Fprintf(&b, "  /** %s */\n  %s%s: %s;\n", f.Doc, f.Key, opt, s.tsType(m.Name, f))
		}
		b.WriteString("}\n\n")
	}
	return bytes.TrimRight(b.Bytes(), "\n"), nil
}

func (s *Schema) tsType(msg string, f Field) string {
	switch {
	case msg == "Item" && f.Key == "attrs":
		return "(Attr | [string, string])[]" // decoders take either form
	case msg == "Item" && f.Key == "dense":
		return "(number[] | null)[]" // a nil slot: the item lacks that modality
	}
	return s.tsExpr(f.Type)
}

func (s *Schema) tsExpr(e ast.Expr) string {
	switch t := e.(type) {
	case *ast.ArrayType:
		return s.tsExpr(t.Elt) + "[]"
	case *ast.Ident:
		return s.tsName(t.Name)
	}
	return "unknown"
}

func (s *Schema) tsName(name string) string {
	switch name {
	case "string":
		return "string"
	case "int", "int32", "int64", "uint32", "float32", "float64":
		return "number"
	case "bool":
		return "boolean"
	}
	return name
}
