package abigen

import (
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"reflect"
	"strconv"
	"strings"
)

// Schema is what messages.go defines: its messages (structs), in source order, and its
// enumerations (named scalar types with their constants).
type Schema struct {
	Messages []Message
	Enums    []Enum
	Maps     []Map
}

// Message is a struct of the ABI.
type Message struct {
	Name   string
	Doc    string
	Fields []Field
}

// Field is one key of a message.
type Field struct {
	Go       string // the Go field name
	Key      string // the wire key
	Type     ast.Expr
	Doc      string
	Required bool   // must be present in a request
	Omit     bool   // left out when zero
	Inline   string // for an embedded message, its name: its fields are this message's
}

// Enum is a named scalar type and its values.
type Enum struct {
	Name   string
	Doc    string
	Kind   string // the underlying Go type
	Values []Value
}

// Value is one constant of an Enum.
type Value struct {
	Name, Value, Doc string
}

// Map is a named map type.
type Map struct {
	Name, Doc  string
	Key, Value string
}

// Parse reads the schema from the source of messages.go.
func Parse(src []byte) (*Schema, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "messages.go", src, parser.ParseComments)
	if err != nil {
		return nil, fmt.Errorf("abigen: %w", err)
	}
	s := &Schema{}
	enums := map[string]*Enum{}
	for _, decl := range f.Decls {
		gd, ok := decl.(*ast.GenDecl)
		if !ok {
			continue
		}
		switch gd.Tok {
		case token.TYPE:
			for _, spec := range gd.Specs {
				ts := spec.(*ast.TypeSpec)
				doc := text(gd.Doc)
				if ts.Doc != nil {
					doc = text(ts.Doc)
				}
				switch t := ts.Type.(type) {
				case *ast.StructType:
					m, err := message(ts.Name.Name, doc, t)
					if err != nil {
						return nil, err
					}
					s.Messages = append(s.Messages, m)
				case *ast.Ident:
					s.Enums = append(s.Enums, Enum{Name: ts.Name.Name, Doc: doc, Kind: t.Name})
					enums[ts.Name.Name] = &s.Enums[len(s.Enums)-1]
				case *ast.MapType:
					s.Maps = append(s.Maps, Map{Name: ts.Name.Name, Doc: doc, Key: exprString(t.Key), Value: exprString(t.Value)})
				default:
					return nil, fmt.Errorf("abigen: type %s: unsupported kind", ts.Name.Name)
				}
			}
		case token.CONST:
			for _, spec := range gd.Specs {
				vs := spec.(*ast.ValueSpec)
				id, ok := vs.Type.(*ast.Ident)
				if !ok || len(vs.Values) != 1 {
					continue
				}
				e := indexEnum(s, id.Name)
				if e == nil {
					return nil, fmt.Errorf("abigen: constant %s of unknown type %s", vs.Names[0].Name, id.Name)
				}
				lit, ok := vs.Values[0].(*ast.BasicLit)
				if !ok {
					return nil, fmt.Errorf("abigen: constant %s is not a literal", vs.Names[0].Name)
				}
				doc := text(vs.Doc)
				if doc == "" {
					doc = text(vs.Comment)
				}
				e.Values = append(e.Values, Value{Name: vs.Names[0].Name, Value: lit.Value, Doc: doc})
			}
		}
	}
	return s, nil
}

func indexEnum(s *Schema, name string) *Enum {
	for i := range s.Enums {
		if s.Enums[i].Name == name {
			return &s.Enums[i]
		}
	}
	return nil
}

func message(name, doc string, st *ast.StructType) (Message, error) {
	m := Message{Name: name, Doc: doc}
	for _, f := range st.Fields.List {
		if f.Tag == nil {
			return m, fmt.Errorf("abigen: %s: a field without tags", name)
		}
		tag, err := strconv.Unquote(f.Tag.Value)
		if err != nil {
			return m, fmt.Errorf("abigen: %s: %w", name, err)
		}
		st := reflect.StructTag(tag)
		mp, js := st.Get("msgpack"), st.Get("json")
		fd := Field{Type: f.Type, Doc: text(f.Doc), Required: st.Get("abi") == "required"}
		if len(f.Names) == 0 {
			if mp != ",inline" {
				return m, fmt.Errorf("abigen: %s: an embedded field must be msgpack:\",inline\"", name)
			}
			fd.Inline = exprString(f.Type)
			m.Fields = append(m.Fields, fd)
			continue
		}
		fd.Go = f.Names[0].Name
		key, opts, _ := strings.Cut(mp, ",")
		fd.Key, fd.Omit = key, opts == "omitempty"
		if key == "" {
			return m, fmt.Errorf("abigen: %s.%s has no msgpack key", name, fd.Go)
		}
		if js != mp {
			return m, fmt.Errorf("abigen: %s.%s: json tag %q differs from msgpack tag %q", name, fd.Go, js, mp)
		}
		m.Fields = append(m.Fields, fd)
	}
	return m, nil
}

// text is a comment group's text on one line.
func text(g *ast.CommentGroup) string {
	if g == nil {
		return ""
	}
	return strings.Join(strings.Fields(g.Text()), " ")
}

func exprString(e ast.Expr) string {
	switch t := e.(type) {
	case *ast.Ident:
		return t.Name
	case *ast.ArrayType:
		return "[]" + exprString(t.Elt)
	case *ast.MapType:
		return "map[" + exprString(t.Key) + "]" + exprString(t.Value)
	}
	return fmt.Sprintf("%T", e)
}

// message returns the message named name.
func (s *Schema) message(name string) (*Message, error) {
	for i := range s.Messages {
		if s.Messages[i].Name == name {
			return &s.Messages[i], nil
		}
	}
	return nil, errors.New("abigen: no message " + name)
}

// fields returns m's fields with inline messages expanded.
func (s *Schema) fields(m *Message) ([]Field, error) {
	var out []Field
	for _, f := range m.Fields {
		if f.Inline == "" {
			out = append(out, f)
			continue
		}
		in, err := s.message(f.Inline)
		if err != nil {
			return nil, err
		}
		sub, err := s.fields(in)
		if err != nil {
			return nil, err
		}
		out = append(out, sub...)
	}
	return out, nil
}
