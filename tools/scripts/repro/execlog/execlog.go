package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
)

// spawn holds the fields of Bazel's SpawnExec message (src/main/protobuf/
// spawn.proto) that the subcommands read. --execution_log_json_file writes
// one pretty-printed proto3 JSON object per spawn, with lowerCamelCase names.
// Bazel 7 writes false and empty fields too, but leaves out unset messages
// (platform, digest); proto3 JSON allows leaving out any field at its
// default, so a missing one reads as false or empty here.
// Everything else in an entry (inputs, commandArgs, ...) is skipped unread.
type spawn struct {
	Mnemonic    string `json:"mnemonic"`
	TargetLabel string `json:"targetLabel"`
	// Runner is the strategy that ran the spawn ("linux-sandbox",
	// "processwrapper-sandbox", "local", "worker", "remote"), or "remote
	// cache hit" / "disk cache hit".
	Runner   string `json:"runner"`
	CacheHit bool   `json:"cacheHit"`
	// RemoteCacheable is false for a spawn whose result a remote cache may
	// not hold (tags no-remote-cache, no-cache, local; Bazel's own
	// uncacheable spawns). cacheable covers the disk cache too and
	// remotable remote execution, so neither stands in for it.
	RemoteCacheable bool     `json:"remoteCacheable"`
	Platform        platform `json:"platform"`
}

type platform struct {
	Properties []property `json:"properties"`
}

type property struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// what names a spawn in listings: mnemonic, target and runner, as Bazel's
// own messages do; a spawn of no target (Bazel's own actions) shows "?".
func (s *spawn) what() string {
	label := s.TargetLabel
	if label == "" {
		label = "?"
	}
	runner := s.Runner
	if runner == "" {
		runner = "?"
	}
	return fmt.Sprintf("%s %s (%s)", s.Mnemonic, label, runner)
}

// readLog decodes the execution log at path and calls fn with each spawn in
// file order. An error names the file and a byte offset: a log cut short by
// a killed build fails rather than reading as a shorter build.
func readLog(path string, fn func(s *spawn) error) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("%s: not a regular file (mode %v)", path, fi.Mode())
	}
	return decode(f, fi.Size(), path, fn)
}

// decode reads the size bytes of log, which name names in errors.
func decode(log io.ReaderAt, size int64, name string, fn func(s *spawn) error) error {
	dec := json.NewDecoder(io.NewSectionReader(log, 0, size))
	for n := 1; ; n++ {
		// More skips the whitespace before the next entry (its result
		// is for arrays), so InputOffset is then where the entry starts.
		dec.More()
		start := dec.InputOffset()
		var s *spawn
		err := dec.Decode(&s)
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return decodeError(log, size, name, n, start, err)
		}
		if s == nil {
			return fmt.Errorf("%s: byte offset %d: entry %d is null, not a SpawnExec object", name, start, n)
		}
		// Bazel gives every spawn a mnemonic; an object without one is
		// another file (a build event log, --execution_log_compact_file
		// converted to JSON) whose fields would all read as false.
		if s.Mnemonic == "" {
			return fmt.Errorf("%s: byte offset %d: entry %d has no \"mnemonic\": not a SpawnExec of --execution_log_json_file", name, start, n)
		}
		if err := fn(s); err != nil {
			return err
		}
	}
}

// decodeError describes the failure to decode entry n, which starts at byte
// start.
func decodeError(log io.ReaderAt, size int64, name string, n int, start int64, err error) error {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Errorf("%s: byte offset %d: entry %d is cut short by the end of the file at byte offset %d (a build killed while it wrote the log?)", name, start, n, size)
	case errors.As(err, &syntax):
		return fmt.Errorf("%s: byte offset %d: entry %d (from byte offset %d) is not JSON: %v", name, badByte(log, size, start), n, start, err)
	case errors.As(err, &typ):
		return fmt.Errorf("%s: byte offset %d: entry %d: field %q is a JSON %s, not what a SpawnExec holds there", name, start, n, typ.Field, typ.Value)
	}
	return fmt.Errorf("%s: byte offset %d: entry %d: %w", name, start, n, err)
}

// badByte is the offset in the file of the byte a syntax error is about.
// The stream decoder's SyntaxError.Offset leaves out the whitespace it
// skipped between entries, so the entry is scanned again on its own, from
// start: there, Offset counts the bytes read up to and including the bad
// one. Should the second scan not fail, the entry.s start has to do.
func badByte(log io.ReaderAt, size, start int64) int64 {
	var raw json.RawMessage
	err := json.NewDecoder(io.NewSectionReader(log, start, size-start)).Decode(&raw)
	var syntax *json.SyntaxError
	if errors.As(err, &syntax) && syntax.Offset > 0 {
		return start + syntax.Offset - 1
	}
	return start
}
