package loader

import (
	"errors"
	"fmt"
	"io/fs"

	"example.com/plugkit/internal/signing"
)

// TrustedKey is a public key a host trusts to sign plugins; see
// Config.TrustedKeys and ReadTrustedKeys.
type TrustedKey = signing.PublicKey

// SignatureSuffix is appended to a build record's path to name its
// signature: "<plugin>.so.build.json.sig".
const SignatureSuffix = signing.Suffix

// SignaturePath returns the path of the signature of the plugin at path:
// beside the build record the loader reads (BuildRecordPath), so a record
// of the old name is signed by "<plugin>.so.manifest.json.sig".
func SignaturePath(path string) string { return BuildRecordPath(path) + SignatureSuffix }

// maxTrustedKeysFile bounds a file of trusted keys; a key is one short line.
const maxTrustedKeysFile = 1 << 20

// ReadTrustedKeys reads a file of trusted public keys, one per line
// ("plugkit-ed25519 <base64> [comment]"), as tools/cmd/sign keygen writes them.
// Several keys may be trusted at once, so a new key can sign plugins before
// the old one is retired.
func ReadTrustedKeys(path string) ([]TrustedKey, error) {
	data, err := readSidecar(path, maxTrustedKeysFile, true)
	if err != nil {
		return nil, fmt.Errorf("trusted keys %s: %w", path, err)
	}
	keys, err := signing.ParsePublicKeys(data)
	if err != nil {
		return nil, fmt.Errorf("trusted keys %s: %w", path, err)
	}
	return keys, nil
}

// checkSignature verifies the signature beside the build record at
// record over raw, the record's exact bytes, with cfg.TrustedKeys. It
// returns the signing key's ID. The signature is looked for beside the
// record that was read, not by name again, so that the pair checked is the
// pair read even if the other name appears meanwhile.
func checkSignature(record string, raw []byte, cfg *Config) (string, error) {
	sigPath := record + SignatureSuffix
	data, err := readSidecar(sigPath, signing.MaxSignatureSize, cfg.SkipPermissionCheck)
	var nr *notRegularError
	var pe *PermissionError
	switch {
	case err == nil:
	case errors.Is(err, fs.ErrNotExist):
		return "", &SignatureError{Path: sigPath, Kind: ErrUnsigned}
	case errors.As(err, &nr):
		return "", &SignatureError{Path: sigPath, Kind: ErrNotRegular, Err: err}
	case errors.As(err, &pe):
		return "", err
	default:
		return "", &SignatureError{Path: sigPath, Kind: ErrBadSignature, Err: err}
	}
	sig, err := signing.ParseSignature(data)
	if err != nil {
		return "", &SignatureError{Path: sigPath, Kind: ErrBadSignature, Err: fmt.Errorf("malformed signature file: %w", err)}
	}
	switch err := signing.Verify(cfg.TrustedKeys, sig, raw); {
	case errors.Is(err, signing.ErrUnknownKey):
		return "", &SignatureError{Path: sigPath, Kind: ErrUnknownKey, KeyID: sig.KeyID, Algorithm: sig.Algorithm}
	case err != nil:
		return "", &SignatureError{Path: sigPath, Kind: ErrBadSignature, KeyID: sig.KeyID, Algorithm: sig.Algorithm}
	}
	return sig.KeyID, nil
}
