package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/labstack/echo/v4"

	"github.com/updraftsoar/updraft/designer"
	"github.com/updraftsoar/updraft/runtime"
	"github.com/updraftsoar/updraft/store"
)

// webhookURL is the address of one webhook trigger of a playbook.
type webhookURL struct {
	NodeID string `json:"node_id"`
	URL    string `json:"url"`
}

// playbookResponse is a playbook version with the URLs of its webhook
// triggers.
type playbookResponse struct {
	*designer.Playbook
	Webhooks []webhookURL `json:"webhooks"`
}

func (s *Server) listPlaybooks(c echo.Context) error {
	playbooks, err := s.store.ListPlaybooks(c.Request().Context())
	if err != nil {
		return internalError(err)
	}
	if playbooks == nil {
		playbooks = []designer.Playbook{}
	}
	return c.JSON(http.StatusOK, playbooks)
}

func (s *Server) getPlaybook(c echo.Context) error {
	ctx := c.Request().Context()
	id := c.Param("id")
	var (
		p   *designer.Playbook
		err error
	)
	if v := c.QueryParam("version"); v != "" {
		version, convErr := strconv.Atoi(v)
		if convErr != nil || version < 1 {
			return errorf(http.StatusBadRequest, codeBadRequest,
				"query parameter version=%q must be a positive integer", v)
		}
		p, err = s.store.GetPlaybookVersion(ctx, id, version)
		if err != nil {
			return storeError(err, fmt.Sprintf("playbook %q has no version %d", id, version))
		}
	} else {
		p, err = s.store.GetPlaybook(ctx, id)
		if err != nil {
			return storeError(err, fmt.Sprintf("playbook %q not found", id))
		}
	}
	return s.respondPlaybook(c, http.StatusOK, p, false)
}

// createPlaybook stores version 1 of a new playbook. The server sets the id,
// the version and the creation fields; the body's values for them are
// ignored.
func (s *Server) createPlaybook(c echo.Context) error {
	p, err := s.readPlaybook(c)
	if err != nil {
		return err
	}
	id, err := newPlaybookID(p.Name)
	if err != nil {
		return internalError(err)
	}
	p.ID = id
	p.Version = 1
	return s.savePlaybook(c, p, http.StatusCreated)
}

// updatePlaybook stores a new version. A body version other than 0 names the
// version the edit started from, and must still be the latest.
func (s *Server) updatePlaybook(c echo.Context) error {
	id := c.Param("id")
	p, err := s.readPlaybook(c)
	if err != nil {
		return err
	}
	if p.ID != "" && p.ID != id {
		return errorf(http.StatusBadRequest, codeBadRequest,
			"body id %q does not match the playbook %q in the URL", p.ID, id)
	}
	latest, err := s.store.GetPlaybook(c.Request().Context(), id)
	if err != nil {
		return storeError(err, fmt.Sprintf("playbook %q not found", id))
	}
	if p.Version != 0 && p.Version != latest.Version {
		return errorf(http.StatusConflict, codeConflict,
			"playbook %q is at version %d but this edit is based on version %d; "+
				"reload it, or send version %d to overwrite", id, latest.Version, p.Version, latest.Version)
	}
	p.ID = id
	p.Version = latest.Version + 1
	return s.savePlaybook(c, p, http.StatusOK)
}

// savePlaybook validates p, stores it and gives its webhook triggers
// tokens. Nothing is stored when p is invalid.
func (s *Server) savePlaybook(c echo.Context, p *designer.Playbook, status int) error {
	p.CreatedAt = time.Now().UTC()
	p.CreatedBy = subjectOf(c)
	setAuditTarget(c, "playbook:"+p.ID)
	ctx := c.Request().Context()
	if err := s.validatePlaybook(ctx, p); err != nil {
		return err
	}
	if err := s.store.InsertPlaybookVersion(ctx, p); err != nil {
		if errors.Is(err, runtime.ErrConflict) {
			return &Error{
				Status: http.StatusConflict,
				Code:   codeConflict,
				Message: fmt.Sprintf("playbook %q was saved by another request at the same time; "+
					"reload it and apply the edit again", p.ID),
				Cause: err,
			}
		}
		return internalError(err)
	}
	s.log.Info("playbook saved", "playbook_id", p.ID, "version", p.Version, "subject", p.CreatedBy)
	return s.respondPlaybook(c, status, p, true)
}

func (s *Server) validatePlaybook(ctx context.Context, p *designer.Playbook) error {
	catalog := &validationCatalog{Catalog: s.cfg.Actions, ctx: ctx, store: s.store}
	err := designer.Validate(p, catalog)
	if catalog.err != nil {
		return internalError(fmt.Errorf("validate playbook %q: look up subplaybook: %w", p.ID, catalog.err))
	}
	if err == nil {
		return nil
	}
	if verr, ok := errors.AsType[*designer.ValidationError](err); ok {
		return &Error{
			Status:   http.StatusUnprocessableEntity,
			Code:     codeInvalidPlaybook,
			Message:  verr.Error(),
			Problems: verr.Problems,
			Cause:    err,
		}
	}
	return internalError(fmt.Errorf("validate playbook %q: %w", p.ID, err))
}

// respondPlaybook writes p with its webhook URLs. With create set, webhook
// triggers that have no token yet get one.
func (s *Server) respondPlaybook(c echo.Context, status int, p *designer.Playbook, create bool) error {
	hooks, err := s.webhooksFor(c.Request().Context(), p, create)
	if err != nil {
		return internalError(err)
	}
	base := s.baseURL(c)
	urls := make([]webhookURL, 0, len(hooks))
	for _, h := range hooks {
		urls = append(urls, webhookURL{NodeID: h.NodeID, URL: base + "/hooks/" + h.Token})
	}
	return c.JSON(status, playbookResponse{Playbook: p, Webhooks: urls})
}

// webhooksFor returns the webhooks of p's webhook trigger nodes, in node
// order. A node keeps its token across versions; with create set, a node
// without one gets a new token.
func (s *Server) webhooksFor(ctx context.Context, p *designer.Playbook, create bool) ([]store.Webhook, error) {
	existing, err := s.store.ListWebhooks(ctx, p.ID)
	if err != nil {
		return nil, fmt.Errorf("playbook %q: list webhooks: %w", p.ID, err)
	}
	byNode := make(map[string]store.Webhook, len(existing))
	for _, h := range existing {
		byNode[h.NodeID] = h
	}

	var hooks []store.Webhook
	for i := range p.Nodes {
		node := &p.Nodes[i]
		if !isWebhookTrigger(node) {
			continue
		}
		if h, ok := byNode[node.ID]; ok {
			hooks = append(hooks, h)
			continue
		}
		if !create {
			continue
		}
		h, err := s.newWebhook(ctx, p.ID, node.ID)
		if err != nil {
			return nil, err
		}
		hooks = append(hooks, *h)
	}
	return hooks, nil
}

func (s *Server) newWebhook(ctx context.Context, playbookID, nodeID string) (*store.Webhook, error) {
	token, err := randomString(32)
	if err != nil {
		return nil, fmt.Errorf("playbook %q: node %q: webhook token: %w", playbookID, nodeID, err)
	}
	h := &store.Webhook{Token: token, PlaybookID: playbookID, NodeID: nodeID, CreatedAt: time.Now().UTC()}
	if err := s.store.InsertWebhook(ctx, h); err != nil {
		return nil, fmt.Errorf("playbook %q: node %q: insert webhook: %w", playbookID, nodeID, err)
	}
	return h, nil
}

// isWebhookTrigger reports whether n is a trigger of kind webhook.
func isWebhookTrigger(n *designer.Node) bool {
	return isTriggerOfKind(n, designer.TriggerWebhook)
}

func isTriggerOfKind(n *designer.Node, kind string) bool {
	if n.Type != designer.NodeTrigger {
		return false
	}
	settings, err := designer.DecodeSettings[designer.TriggerSettings](n)
	return err == nil && settings.Kind == kind
}

// baseURL is the scheme and host that webhook URLs start with.
func (s *Server) baseURL(c echo.Context) string {
	if s.cfg.PublicURL != "" {
		return s.cfg.PublicURL
	}
	return c.Scheme() + "://" + c.Request().Host
}

// newPlaybookID returns a readable, unique id: the name as a slug of at
// most 40 characters and 8 random characters.
func newPlaybookID(name string) (string, error) {
	suffix, err := randomString(6)
	if err != nil {
		return "", fmt.Errorf("playbook id: %w", err)
	}
	suffix = strings.ToLower(strings.NewReplacer("-", "0", "_", "1").Replace(suffix))
	slug := slugify(name, 40)
	if slug == "" {
		slug = "playbook"
	}
	return slug + "-" + suffix, nil
}

// slugify lowercases s and keeps ASCII letters and digits, joining runs of
// anything else with one hyphen.
func slugify(s string, maxLen int) string {
	var b strings.Builder
	hyphen := false
	for _, r := range strings.ToLower(s) {
		if r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
			if hyphen && b.Len() > 0 {
				b.WriteByte('-')
			}
			hyphen = false
			b.WriteRune(r)
		} else {
			hyphen = true
		}
		if b.Len() >= maxLen {
			break
		}
	}
	return strings.TrimSuffix(b.String(), "-")
}
