package actions

import "errors"

// ErrSchemaMismatch is returned, wrapped, when a document does not match a
// schema.
var ErrSchemaMismatch = errors.New("document does not match schema")

// ErrInvalidManifest is returned, wrapped, by Manifest.Validate.
var ErrInvalidManifest = errors.New("invalid manifest")

// ErrVersionExists is returned, wrapped, when a registry already holds the
// same name and version with a different module.
var ErrVersionExists = errors.New("action version already exists")

// ErrActionNotFound is returned, wrapped, when a registry holds no version
// of an action, or no version that a reference's range matches.
var ErrActionNotFound = errors.New("action not found")

// ErrInvalidSignature is returned, wrapped, for a signature that is not a
// base64 ed25519 signature.
var ErrInvalidSignature = errors.New("invalid signature")

// ErrUntrustedSignature is returned, wrapped, when no trusted key verifies
// a module's signature.
var ErrUntrustedSignature = errors.New("untrusted signature")
