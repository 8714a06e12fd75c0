package convert

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/seminar-ranker/seminar/core/data"
)

// Source is one public dataset the package converts.
type Source struct {
	Name    string // as given on the command line
	Dir     string // its folder under the shared data directory
	Convert func(dir string) (*data.Dataset, error)
}

// Sources lists the datasets the package converts.
func Sources() []Source {
	return []Source{
		{Name: "ml-100k", Dir: "ml-100k", Convert: MovieLens100K},
		{Name: "bestbuy", Dir: "bestbuy-small", Convert: BestBuy},
		{Name: "tiktok", Dir: "tiktok", Convert: TikTok},
	}
}

// Lookup returns the source called name.
func Lookup(name string) (Source, error) {
	names := make([]string, 0, 3)
	for _, s := range Sources() {
		if s.Name == name {
			return s, nil
		}
		names = append(names, s.Name)
	}
	return Source{}, fmt.Errorf("convert: unknown source %q (known: %s)", name, strings.Join(names, ", "))
}

// DefaultDir returns where the source's files are expected: ../shared/data/<Dir> relative to the
// repository root, the nearest directory at or above the working directory holding go.mod. It is
// an error if that directory does not exist.
func (s Source) DefaultDir() (string, error) {
	root, err := repoRoot()
	if err != nil {
		return "", err
	}
	dir := filepath.Join(root, "..", "shared", "data", s.Dir)
	if _, err := os.Stat(dir); err != nil {
		return "", fmt.Errorf("convert: the %s files are not at %s (the datasets live in ../shared/data "+
			"beside the repository; give their folder explicitly): %w", s.Name, filepath.Clean(dir), err)
	}
	return filepath.Clean(dir), nil
}

func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("convert: %w", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("convert: no go.mod in the working directory or above it, so the repository root " +
				"(and ../shared/data beside it) is unknown; give the dataset's folder explicitly")
		}
		dir = parent
	}
}
