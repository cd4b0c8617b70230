package loader

import (
	"bytes"
	"crypto/sha256"
	"debug/elf"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"example.com/plugkit/host/failure"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
)

// elfHeader returns a bare 64-bit little-endian ELF header, a seed that
// gets the fuzzer past the magic check.
func elfHeader(typ elf.Type, machine elf.Machine) []byte {
	var h elf.Header64
	copy(h.Ident[:], elf.ELFMAG)
	h.Ident[elf.EI_CLASS] = byte(elf.ELFCLASS64)
	h.Ident[elf.EI_DATA] = byte(elf.ELFDATA2LSB)
	h.Ident[elf.EI_VERSION] = byte(elf.EV_CURRENT)
	h.Type = uint16(typ)
	h.Machine = uint16(machine)
	h.Version = uint32(elf.EV_CURRENT)
	h.Ehsize = 64
	h.Phentsize = 56
	h.Shentsize = 64
	var b bytes.Buffer
	binary.Write(&b, binary.LittleEndian, &h)
	return b.Bytes()
}

// FuzzPrecheck feeds arbitrary bytes to the pre-open check, LoadKind's
// checks included: it must never panic, and every failure must be one of
// the typed errors.
func FuzzPrecheck(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte("\x7fELF"))
	f.Add([]byte("#!/bin/sh\necho not a plugin\n"))
	f.Add(elfHeader(elf.ET_DYN, elf.EM_X86_64))
	f.Add(elfHeader(elf.ET_EXEC, elf.EM_X86_64))
	f.Add(elfHeader(elf.ET_DYN, elf.EM_AARCH64))
	f.Add(append(elfHeader(elf.ET_DYN, elf.EM_X86_64), make([]byte, 512)...))
	// A real, small shared library takes the fuzzer into the section,
	// symbol table and build info parsers; Go plugins are too big to mutate
	// usefully.
	if gcc, err := exec.LookPath("gcc"); err == nil {
		dir := f.TempDir()
		src := filepath.Join(dir, "seed.c")
		out := filepath.Join(dir, "seed.so")
		if os.WriteFile(src, []byte("int seed(void) { return 1; }\n"), 0o644) == nil &&
			exec.Command(gcc, "-shared", "-fPIC", "-s", "-o", out, src).Run() == nil {
			if data, err := os.ReadFile(out); err == nil {
				f.Add(data)
			}
		}
	}
	kind := &Kind{Name: "greeter", Symbols: []KindSymbol{{Name: "Greeter"}, {Name: "Hello", Func: true}}}
	var known []error
	for _, e := range failure.Table {
		known = append(known, e.Err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		sum := sha256.Sum256(data)
		for _, k := range []*Kind{nil, kind} {
			err := precheckBytes("fuzz.so", data, hex.EncodeToString(sum[:]), Config{GOARCH: "amd64"}, k)
			if err != nil && !slices.ContainsFunc(known, func(s error) bool { return errors.Is(err, s) }) {
				t.Fatalf("untyped error: %v", err)
			}
		}
	})
}
