package datafile

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/seminar-ranker/seminar/core/data"
	"github.com/vmihailenco/msgpack/v5"
)

// Magic is the string that opens every dataset file; Version is the format version this package
// writes and the only one it reads.
const (
	Magic   = "seminar-dataset"
	Version = 1
)

// The errors Read wraps, so callers can tell a wrong file from a damaged one.
var (
	ErrMagic     = errors.New("not a seminar dataset file (wrong magic)")
	ErrVersion   = errors.New("unsupported dataset format version")
	ErrTruncated = errors.New("dataset file is truncated")
)

// magicPrefix is the encoded header up to the version: a 2-element array, then the magic string.
var magicPrefix = append([]byte{0x92, 0xa0 | byte(len(Magic))}, Magic...)

// Write validates d and writes it to w in the format of version Version.
func Write(w io.Writer, d *data.Dataset) error {
	if err := d.Validate(); err != nil {
		return fmt.Errorf("datafile: refusing to write an invalid dataset: %w", err)
	}
	header := append(append([]byte(nil), magicPrefix...), Version)
	if _, err := w.Write(header); err != nil {
		return fmt.Errorf("datafile: write header: %w", err)
	}
	zw, err := gzip.NewWriterLevel(w, gzip.BestSpeed)
	if err != nil {
		return fmt.Errorf("datafile: %w", err)
	}
	bw := bufio.NewWriterSize(zw, 64<<10)
	if err := encodeDataset(bw, d); err != nil {
		return fmt.Errorf("datafile: write body: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("datafile: write body: %w", err)
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("datafile: write body: %w", err)
	}
	return nil
}

// Read reads a dataset file from r, checks that nothing follows it, and validates the dataset.
func Read(r io.Reader) (*data.Dataset, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	if err := readHeader(br); err != nil {
		return nil, fmt.Errorf("datafile: %w", err)
	}
	zr, err := gzip.NewReader(br)
	if err != nil {
		return nil, fmt.Errorf("datafile: body: %w", classify(err))
	}
	zr.Multistream(false)
	body := bufio.NewReaderSize(zr, 64<<10)
	d, err := decodeDataset(body)
	if err != nil {
		return nil, fmt.Errorf("datafile: body: %w", classify(err))
	}
	// Reading to the end of the gzip member is what verifies its checksum and length.
	if _, err := body.ReadByte(); err != io.EOF {
		if err == nil {
			return nil, errors.New("datafile: body: data after the dataset map")
		}
		return nil, fmt.Errorf("datafile: body: %w", classify(err))
	}
	if _, err := br.ReadByte(); err != io.EOF {
		if err == nil {
			return nil, errors.New("datafile: data after the body")
		}
		return nil, fmt.Errorf("datafile: %w", err)
	}
	if err := d.Validate(); err != nil {
		return nil, fmt.Errorf("datafile: invalid dataset: %w", err)
	}
	return d, nil
}

// WriteFile writes d to path through a temporary file in the same directory, renamed into place
// once complete, so a failed write never leaves a partial dataset under path.
func WriteFile(path string, d *data.Dataset) (err error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("datafile: %w", err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err := Write(tmp, d); err != nil {
		return err
	}
	// CreateTemp makes the file private; a dataset file is as readable as any other output.
	if err := tmp.Chmod(0o644); err != nil {
		return fmt.Errorf("datafile: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("datafile: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("datafile: %w", err)
	}
	return nil
}

// ReadFile reads the dataset file at path.
func ReadFile(path string) (*data.Dataset, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("datafile: %w", err)
	}
	defer f.Close()
	d, err := Read(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return d, nil
}

func readHeader(br *bufio.Reader) error {
	prefix := make([]byte, len(magicPrefix))
	n, err := io.ReadFull(br, prefix)
	if !bytes.Equal(prefix[:n], magicPrefix[:n]) {
		return ErrMagic
	}
	if err != nil {
		return fmt.Errorf("header: %w", ErrTruncated)
	}
	version, err := msgpack.NewDecoder(br).DecodeUint64()
	if err != nil {
		return fmt.Errorf("header: %w", classify(err))
	}
	if version != Version {
		return fmt.Errorf("%w %d (this build reads version %d)", ErrVersion, version, Version)
	}
	return nil
}

// classify marks an early end of input as truncation, whichever layer noticed it.
func classify(err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("%w: %w", ErrTruncated, err)
	}
	return err
}
