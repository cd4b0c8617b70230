// Package signing signs plugins' build records (internal/buildrecord) with
// ed25519 and checks those signatures, for tools/cmd/sign and the host's
// loader.
//
// A build record holds a plugin's SHA-256, so a signature over the
// record's bytes vouches for the plugin's bytes too. The signature lives
// beside the record, in "<plugin>.so.build.json.sig" (or, for a record of
// the old name, "<plugin>.so.manifest.json.sig"), so signing never changes
// a build output: it is a step after the build, with a key no build action
// sees.
//
// Formats, all text:
//
//   - A public key, and a file of trusted keys (one per line; blank lines and
//     lines starting with # are skipped):
//     plugkit-ed25519 <base64 of the 32-byte key> [comment]
//   - A private key: PKCS#8, PEM-encoded ("PRIVATE KEY"), as
//     openssl genpkey -algorithm ed25519 writes it.
//   - A signature: one JSON object, {"schema_version": 1, "algorithm":
//     "ed25519", "key_id": ..., "signature": <base64>}. The signed message is
//     MessagePrefix followed by the build record's exact bytes.
//
// A key's ID is the first 16 hex digits of the SHA-256 of its 32 bytes.
package signing

import (
	"bufio"
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
)

// Suffix is appended to a build record's path to name its signature.
const Suffix = ".sig"

// MessagePrefix separates plugkit's signed messages from anything else a
// key might sign. It still says "build manifest", the build record's name
// when the format was made: the prefix is part of every signed message, so
// changing the words would invalidate every signature made so far.
const MessagePrefix = "plugkit build manifest signature v1\x00"

// KeyType is the first field of a public key line.
const KeyType = "plugkit-ed25519"

// SchemaVersion is the version of the signature format.
const SchemaVersion = 1

// MaxSignatureSize bounds what a reader of a signature file reads.
const MaxSignatureSize = 4 << 10

// Errors of Verify.
var (
	// ErrUnknownKey: the signature names a key that is not trusted.
	ErrUnknownKey = errors.New("unknown key")
	// ErrBadSignature: the signature does not verify with the key it names.
	ErrBadSignature = errors.New("signature does not verify")
)

// PublicKey is a trusted key.
type PublicKey struct {
	ID      string
	Key     ed25519.PublicKey
	Comment string
}

// String is the key's line in a file of trusted keys.
func (k PublicKey) String() string {
	s := KeyType + " " + base64.StdEncoding.EncodeToString(k.Key)
	if k.Comment != "" {
		s += " " + k.Comment
	}
	return s
}

// KeyID is the ID of pub.
func KeyID(pub ed25519.PublicKey) string {
	sum := sha256.Sum256(pub)
	return hex.EncodeToString(sum[:8])
}

// NewPublicKey wraps pub with its ID.
func NewPublicKey(pub ed25519.PublicKey, comment string) PublicKey {
	return PublicKey{ID: KeyID(pub), Key: pub, Comment: comment}
}

// ParsePublicKeys reads a file of trusted keys. Every malformed line is an
// error, with its number; a file with no key is one too, since trusting no
// key would refuse every plugin.
func ParsePublicKeys(data []byte) ([]PublicKey, error) {
	var keys []PublicKey
	var errs []error
	sc := bufio.NewScanner(bytes.NewReader(data))
	for line := 1; sc.Scan(); line++ {
		text := strings.TrimSpace(sc.Text())
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		k, err := ParsePublicKey(text)
		if err != nil {
			errs = append(errs, fmt.Errorf("line %d: %w", line, err))
			continue
		}
		keys = append(keys, k)
	}
	if err := sc.Err(); err != nil {
		errs = append(errs, err)
	}
	if len(keys) == 0 && len(errs) == 0 {
		errs = append(errs, errors.New("no key in the file"))
	}
	return keys, errors.Join(errs...)
}

// ParsePublicKey reads one public key line.
func ParsePublicKey(line string) (PublicKey, error) {
	fields := strings.Fields(line)
	if len(fields) < 2 || fields[0] != KeyType {
		return PublicKey{}, fmt.Errorf("want %q followed by a base64 key", KeyType)
	}
	b, err := base64.StdEncoding.DecodeString(fields[1])
	if err != nil {
		return PublicKey{}, fmt.Errorf("key is not base64: %v", err)
	}
	if len(b) != ed25519.PublicKeySize {
		return PublicKey{}, fmt.Errorf("key is %d bytes, want %d", len(b), ed25519.PublicKeySize)
	}
	return NewPublicKey(ed25519.PublicKey(b), strings.Join(fields[2:], " ")), nil
}

// MarshalPrivateKey encodes key as PKCS#8 PEM.
func MarshalPrivateKey(key ed25519.PrivateKey) ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}

// ParsePrivateKey decodes a PKCS#8 PEM ed25519 key.
func ParsePrivateKey(data []byte) (ed25519.PrivateKey, error) {
	block, _ := pem.Decode(data)
	if block == nil || block.Type != "PRIVATE KEY" {
		return nil, errors.New("not a PEM \"PRIVATE KEY\" block (PKCS#8)")
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, err
	}
	ek, ok := k.(ed25519.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("a %T, want an ed25519 key", k)
	}
	return ek, nil
}

// Signature is a parsed signature file.
type Signature struct {
	SchemaVersion int    `json:"schema_version"`
	Algorithm     string `json:"algorithm"`
	KeyID         string `json:"key_id"`
	Signature     []byte `json:"signature"` // base64 in JSON
}

// Sign signs record, a build record's exact bytes, and returns the
// signature file's contents. ed25519 is deterministic, so the same key and
// record always give the same bytes.
func Sign(key ed25519.PrivateKey, record []byte) []byte {
	pub := key.Public().(ed25519.PublicKey)
	s := Signature{
		SchemaVersion: SchemaVersion,
		Algorithm:     "ed25519",
		KeyID:         KeyID(pub),
		Signature:     ed25519.Sign(key, message(record)),
	}
	b, _ := json.MarshalIndent(s, "", "  ") // cannot fail: plain fields
	return append(b, '\n')
}

func message(record []byte) []byte {
	m := make([]byte, 0, len(MessagePrefix)+len(record))
	return append(append(m, MessagePrefix...), record...)
}

// ParseSignature reads a signature file, strictly: unknown fields, trailing
// data, another version or algorithm, a malformed key ID or a signature of
// the wrong size are errors.
func ParseSignature(data []byte) (*Signature, error) {
	if len(data) > MaxSignatureSize {
		return nil, fmt.Errorf("%d bytes, larger than the limit of %d", len(data), MaxSignatureSize)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var s Signature
	if err := dec.Decode(&s); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, errors.New("trailing data after the JSON object")
	}
	var errs []error
	if s.SchemaVersion != SchemaVersion {
		errs = append(errs, fmt.Errorf("schema_version %d not supported (want %d)", s.SchemaVersion, SchemaVersion))
	}
	if s.Algorithm != "ed25519" {
		errs = append(errs, fmt.Errorf("algorithm %q not supported (want ed25519)", s.Algorithm))
	}
	if len(s.KeyID) != 16 || strings.Trim(s.KeyID, "0123456789abcdef") != "" {
		errs = append(errs, fmt.Errorf("key_id %q is not 16 lower-case hex digits", s.KeyID))
	}
	if len(s.Signature) != ed25519.SignatureSize {
		errs = append(errs, fmt.Errorf("signature is %d bytes, want %d", len(s.Signature), ed25519.SignatureSize))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return &s, nil
}

// Verify checks sig over record, a build record's exact bytes, with the
// trusted key it names. Its errors wrap ErrUnknownKey or ErrBadSignature.
func Verify(trusted []PublicKey, sig *Signature, record []byte) error {
	for _, k := range trusted {
		if k.ID != sig.KeyID {
			continue
		}
		if ed25519.Verify(k.Key, message(record), sig.Signature) {
			return nil
		}
		return fmt.Errorf("%w: key %s", ErrBadSignature, k.ID)
	}
	return fmt.Errorf("%w: %s", ErrUnknownKey, sig.KeyID)
}
