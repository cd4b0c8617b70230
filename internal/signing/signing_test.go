package signing

import (
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSignVerify(t *testing.T) {
	pub, key, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	other, _, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	record := []byte(`{"plugin": "greeter/english"}` + "\n")
	file := Sign(key, record)
	sig, err := ParseSignature(file)
	require.NoError(t, err)
	assert.Equal(t, KeyID(pub), sig.KeyID)
	trusted := []PublicKey{NewPublicKey(other, "old"), NewPublicKey(pub, "new")}
	assert.NoError(t, Verify(trusted, sig, record))
	assert.ErrorIs(t, Verify(trusted, sig, append(record, ' ')), ErrBadSignature)
	assert.ErrorIs(t, Verify(trusted[:1], sig, record), ErrUnknownKey)

	// The message is domain-separated: a bare ed25519 signature of the
	// record, made for something else, does not verify.
	bare := *sig
	bare.Signature = ed25519.Sign(key, record)
	assert.ErrorIs(t, Verify(trusted, &bare, record), ErrBadSignature)
}

// TestMessagePrefixIsStable: the prefix is part of every signature ever
// made, so it keeps the words it was made with ("build manifest", the build
// record's old name) through any rename.
func TestMessagePrefixIsStable(t *testing.T) {
	assert.Equal(t, "plugkit build manifest signature v1\x00", MessagePrefix)
}

func TestKeysRoundTrip(t *testing.T) {
	pub, key, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	pemKey, err := MarshalPrivateKey(key)
	require.NoError(t, err)
	back, err := ParsePrivateKey(pemKey)
	require.NoError(t, err)
	assert.Equal(t, key, back)
	k, err := ParsePublicKey(NewPublicKey(pub, "a b").String())
	require.NoError(t, err)
	assert.Equal(t, "a b", k.Comment)
	assert.Equal(t, KeyID(pub), k.ID)
}

func TestParseSignatureRefuses(t *testing.T) {
	for name, in := range map[string]string{
		"empty":         ``,
		"not JSON":      `plugkit`,
		"unknown field": `{"schema_version":1,"algorithm":"ed25519","key_id":"0123456789abcdef","signature":"","x":1}`,
		"trailing":      `{"schema_version":1} {}`,
		"version":       `{"schema_version":2,"algorithm":"ed25519","key_id":"0123456789abcdef","signature":"AAAA"}`,
		"algorithm":     `{"schema_version":1,"algorithm":"rsa","key_id":"0123456789abcdef","signature":"AAAA"}`,
		"key id":        `{"schema_version":1,"algorithm":"ed25519","key_id":"XYZ","signature":"AAAA"}`,
		"short":         `{"schema_version":1,"algorithm":"ed25519","key_id":"0123456789abcdef","signature":"AAAA"}`,
	} {
		_, err := ParseSignature([]byte(in))
		assert.Error(t, err, name)
	}
	_, err := ParseSignature(make([]byte, MaxSignatureSize+1))
	assert.ErrorContains(t, err, "limit")
}

// FuzzParse: the signature and key parsers take files anyone may have
// written; they must refuse, never panic, and accept only what verifies
// or fails to verify with a typed error.
func FuzzParse(f *testing.F) {
	pub, key, _ := ed25519.GenerateKey(rand.Reader)
	f.Add(Sign(key, []byte("m")))
	f.Add([]byte(NewPublicKey(pub, "c").String()))
	f.Add([]byte(`{"schema_version":1,"algorithm":"ed25519","key_id":"0123456789abcdef","signature":"AAAA"}`))
	trusted := []PublicKey{NewPublicKey(pub, "")}
	f.Fuzz(func(t *testing.T, data []byte) {
		if sig, err := ParseSignature(data); err == nil {
			if err := Verify(trusted, sig, data); err != nil && !errorsIs(err) {
				t.Fatalf("untyped error %v", err)
			}
		}
		keys, _ := ParsePublicKeys(data)
		for _, k := range keys {
			if len(k.Key) != ed25519.PublicKeySize {
				t.Fatalf("a key of %d bytes", len(k.Key))
			}
		}
		_, _ = ParsePrivateKey(data)
	})
}

func errorsIs(err error) bool {
	return errors.Is(err, ErrBadSignature) || errors.Is(err, ErrUnknownKey)
}
