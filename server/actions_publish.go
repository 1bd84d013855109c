package server

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/updraftsoar/updraft/actions"
	"github.com/updraftsoar/updraft/runtime"
)

// DefaultMaxModuleBytes is the largest action module that the publish
// route accepts when Publishing.MaxModuleBytes is 0. Go-built modules weigh
// 3 to 8 MB, so 32 MiB leaves room without letting one upload hold much
// memory: the server reads the module into memory to hash and compile it.
const DefaultMaxModuleBytes = 32 << 20

// Limits on the other parts of a publish request.
const (
	maxManifestBytes  = 1 << 20
	maxSignatureBytes = 1 << 10
)

// Error codes of the action routes.
const (
	codeInvalidManifest   = "invalid_manifest"
	codeInvalidModule     = "invalid_module"
	codeVersionExists     = "version_exists"
	codeSignatureRequired = "signature_required"
	codeInvalidSignature  = "invalid_signature"
	codeUntrusted         = "untrusted_signature"
	codePublishDisabled   = "publishing_disabled"
)

// ActionStore is the persistence that publishing needs. *store.Store
// implements it.
type ActionStore interface {
	PutAction(ctx context.Context, a actions.Action, module []byte) (created bool, err error)
	GetAction(ctx context.Context, ref string) (*actions.Action, error)
	DeprecateAction(ctx context.Context, ref string, d actions.Deprecation) error
}

// Publishing configures POST /api/v1/actions and the deprecate route.
// Store and Registry are required; every other zero value works.
type Publishing struct {
	Store    ActionStore
	Registry *actions.Registry // receives each new version at once

	// TrustedKeys verify module signatures; nil trusts no key, so every
	// signed module is rejected.
	TrustedKeys *actions.TrustedKeys
	// RequireSignatures rejects modules without a signature from a
	// trusted key. Bundled actions are stored at start and not checked.
	RequireSignatures bool
	MaxModuleBytes    int64 // 0 means DefaultMaxModuleBytes
}

func (p *Publishing) maxModuleBytes() int64 {
	if p.MaxModuleBytes <= 0 {
		return DefaultMaxModuleBytes
	}
	return p.MaxModuleBytes
}

// publishForm is the decoded multipart body of a publish request.
type publishForm struct {
	manifest  []byte
	module    []byte
	signature string // base64; empty when the request has no signature part
}

// publishAction stores a new action version from a multipart body with the
// parts "manifest" (JSON), "module" (wasm) and optionally "signature"
// (base64 ed25519 over the module's hex SHA-256). It responds 201 for a new
// version, 200 when the version exists with the same module, and 409 when
// it exists with another module.
func (s *Server) publishAction(c echo.Context) error {
	pub, err := s.publishing()
	if err != nil {
		return err
	}
	form, err := readPublishForm(c, pub.maxModuleBytes())
	if err != nil {
		return err
	}
	manifest, err := actions.ParseManifest(form.manifest)
	if err != nil {
		return &Error{Status: http.StatusUnprocessableEntity, Code: codeInvalidManifest,
			Message: err.Error(), Cause: err}
	}
	setAuditTarget(c, "action:"+manifest.Ref())
	if err := checkModule(c.Request().Context(), form.module); err != nil {
		return &Error{Status: http.StatusUnprocessableEntity, Code: codeInvalidModule,
			Message: fmt.Sprintf("module of %s: %v", manifest.Ref(), err), Cause: err}
	}
	signer, err := checkSignature(pub, form)
	if err != nil {
		return err
	}

	sum := sha256.Sum256(form.module)
	a := actions.Action{Manifest: *manifest, SHA256: hex.EncodeToString(sum[:]), SignedBy: signer}
	return s.storeAction(c, pub, a, form.module)
}

func (s *Server) publishing() (*Publishing, error) {
	pub := s.cfg.Publishing
	if pub == nil || pub.Store == nil || pub.Registry == nil {
		return nil, errorf(http.StatusServiceUnavailable, codePublishDisabled,
			"this server is not configured to publish actions")
	}
	return pub, nil
}

// checkSignature returns the base64 key that signed the module, or "" for
// an unsigned module that the server accepts.
func checkSignature(pub *Publishing, form *publishForm) (string, error) {
	if form.signature == "" {
		if pub.RequireSignatures {
			return "", errorf(http.StatusUnprocessableEntity, codeSignatureRequired,
				"this server requires modules signed by a trusted key; "+
					"publish with --key FILE, whose public key the administrator trusts")
		}
		return "", nil
	}
	signer, err := pub.TrustedKeys.Verify(form.module, form.signature)
	switch {
	case errors.Is(err, actions.ErrInvalidSignature):
		return "", &Error{Status: http.StatusUnprocessableEntity, Code: codeInvalidSignature,
			Message: err.Error(), Cause: err}
	case err != nil:
		return "", &Error{Status: http.StatusUnprocessableEntity, Code: codeUntrusted,
			Message: err.Error() + "; ask the administrator to add your public key to --trusted-keys",
			Cause:   err}
	}
	return signer, nil
}

// storeAction stores a new version, or compares it with the stored one,
// and adds it to the registry.
func (s *Server) storeAction(c echo.Context, pub *Publishing, a actions.Action, module []byte) error {
	ctx := c.Request().Context()
	ref := a.Manifest.Ref()
	existing, err := pub.Store.GetAction(ctx, ref)
	if err == nil {
		return s.republish(c, pub, existing, a.SHA256)
	}
	if !errors.Is(err, runtime.ErrNotFound) {
		return internalError(err)
	}

	created, err := pub.Store.PutAction(ctx, a, module)
	if errors.Is(err, runtime.ErrConflict) {
		// Another request published this version since the lookup.
		if existing, err = pub.Store.GetAction(ctx, ref); err == nil {
			return s.republish(c, pub, existing, a.SHA256)
		}
	}
	if err != nil {
		return internalError(err)
	}
	if err := pub.Registry.Add(a); err != nil {
		return internalError(fmt.Errorf("register published action: %w", err))
	}

	s.log.Info("action published", "action", ref, "sha256", a.SHA256,
		"signed_by", a.SignedBy, "subject", subjectOf(c))
	status := http.StatusCreated
	if !created {
		status = http.StatusOK
	}
	return c.JSON(status, a)
}

// republish responds to a publish of a version that is already stored: 200
// when the module is the same, 409 naming both hashes when it differs.
func (s *Server) republish(c echo.Context, pub *Publishing, existing *actions.Action, sum string) error {
	ref := existing.Manifest.Ref()
	if existing.SHA256 != sum {
		return errorf(http.StatusConflict, codeVersionExists,
			"action %s is already published with module sha256 %s, and this module has sha256 %s; "+
				"versions are immutable, so publish it under a new version",
			ref, existing.SHA256, sum)
	}
	// Another process may have stored it, so this registry may lack it.
	if err := pub.Registry.Add(*existing); err != nil {
		return internalError(fmt.Errorf("register published action: %w", err))
	}
	return c.JSON(http.StatusOK, existing)
}

// readPublishForm reads the multipart parts of a publish request, each
// under its own size limit.
func readPublishForm(c echo.Context, maxModule int64) (*publishForm, error) {
	req := c.Request()
	req.Body = http.MaxBytesReader(c.Response(), req.Body, maxModule+maxManifestBytes+64<<10)
	reader, err := req.MultipartReader()
	if err != nil {
		return nil, errorf(http.StatusUnsupportedMediaType, codeUnsupportedMedia,
			"send multipart/form-data with the parts manifest, module and optionally signature")
	}

	form := &publishForm{}
	seen := map[string]bool{}
	for {
		part, err := reader.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, multipartError(err, maxModule)
		}
		name := part.FormName()
		if seen[name] {
			return nil, errorf(http.StatusBadRequest, codeBadRequest, "part %q appears twice", name)
		}
		seen[name] = true
		if err := form.read(part, name, maxModule); err != nil {
			return nil, err
		}
	}
	return form, form.checkComplete()
}

func (f *publishForm) read(part *multipart.Part, name string, maxModule int64) error {
	var err error
	switch name {
	case "manifest":
		f.manifest, err = readLimited(part, maxManifestBytes, "manifest part")
	case "module":
		f.module, err = readLimited(part, maxModule, "module part")
	case "signature":
		var sig []byte
		sig, err = readLimited(part, maxSignatureBytes, "signature part")
		f.signature = string(sig)
	default:
		err = errorf(http.StatusBadRequest, codeBadRequest,
			"unknown part %q; send manifest, module and optionally signature", name)
	}
	return err
}

func (f *publishForm) checkComplete() error {
	switch {
	case len(f.manifest) == 0:
		return errorf(http.StatusBadRequest, codeBadRequest, "missing part \"manifest\"")
	case len(f.module) == 0:
		return errorf(http.StatusBadRequest, codeBadRequest, "missing part \"module\"")
	}
	return nil
}

func multipartError(err error, maxModule int64) error {
	if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
		return tooLarge("publish request", maxModule+maxManifestBytes+64<<10)
	}
	return &Error{Status: http.StatusBadRequest, Code: codeInvalidBody,
		Message: "multipart body cannot be read: " + err.Error(), Cause: err}
}
