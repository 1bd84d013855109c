package designer

import (
	"slices"
	"strings"
)

// Approval comment rules.
const (
	CommentOptional = "optional" // the default
	CommentRequired = "required"
	CommentNone     = "none"
)

// Default approval options, used when Options is empty.
const (
	OptionApprove = "approve"
	OptionReject  = "reject"
)

// approvalRoles are the roles that may answer an approval. Viewers only
// read.
var approvalRoles = []string{"analyst", "developer", "admin"}

// ApprovalSettings are the settings of an approval node.
//
// Question is shown to the people asked and may contain expressions.
// Options are slugs and default to approve and reject; the answer leaves
// through "option:<name>". AssigneeRole is the role whose members may
// answer, "analyst" when empty; an admin may always answer. Comment is
// CommentOptional (when empty), CommentRequired or CommentNone. Timeout is
// a Go duration; when it passes unanswered, the step leaves through
// "timeout" with DefaultOption, which must be one of the options, as its
// answer. Without Timeout the step waits until it is answered or the run
// is canceled.
type ApprovalSettings struct {
	Question      string   `json:"question"`
	Options       []string `json:"options,omitempty"`
	AssigneeRole  string   `json:"assignee_role,omitempty"`
	Comment       string   `json:"comment,omitempty"`
	Timeout       string   `json:"timeout,omitempty"`
	DefaultOption string   `json:"default_option,omitempty"`
}

// OptionNames returns the options, or approve and reject when none are set.
func (s *ApprovalSettings) OptionNames() []string {
	if len(s.Options) == 0 {
		return []string{OptionApprove, OptionReject}
	}
	return slices.Clone(s.Options)
}

// OptionPort returns the port of the approval option named name.
func OptionPort(name string) string { return PortOptionPrefix + name }

func init() {
	registerNodeType(NodeApproval, &nodeType{
		canFail: true,
		waits:   true,
		ports:   approvalPorts,
		check:   checkApproval,
	})
}

// approvalPorts returns a port for each option, in order, then "timeout"
// when the settings set a timeout.
func approvalPorts(n *Node) []string {
	s, err := DecodeSettings[ApprovalSettings](n)
	if err != nil {
		s = ApprovalSettings{}
	}
	var ports []string
	for _, name := range s.OptionNames() {
		ports = append(ports, OptionPort(name))
	}
	if s.Timeout != "" {
		ports = append(ports, PortTimeout)
	}
	return ports
}

func checkApproval(c *nodeCheck) {
	s, ok := decodeNodeSettings[ApprovalSettings](c)
	if !ok {
		return
	}
	if s.Question == "" {
		c.problem("settings.question", "missing question; write what the approver decides")
	} else {
		c.checkValue("settings.question", s.Question)
	}
	if len(s.Options) > 0 {
		c.checkSlugs("settings.options", "", "option", s.Options)
	}
	checkApprovalRules(c, &s)
}

// checkApprovalRules checks the assignee role, the comment rule, the
// timeout and the default option.
func checkApprovalRules(c *nodeCheck, s *ApprovalSettings) {
	if s.AssigneeRole != "" && !slices.Contains(approvalRoles, s.AssigneeRole) {
		c.problemf("settings.assignee_role", "invalid role %q; use analyst, developer or admin",
			s.AssigneeRole)
	}
	switch s.Comment {
	case "", CommentOptional, CommentRequired, CommentNone:
	default:
		c.problemf("settings.comment", `invalid comment rule %q; use "optional", "required" or "none"`,
			s.Comment)
	}
	if s.Timeout != "" {
		checkDuration(c, "settings.timeout", s.Timeout)
	}

	switch {
	case s.DefaultOption == "":
	case s.Timeout == "":
		c.problem("settings.default_option", "default_option applies only when a timeout passes; "+
			"set settings.timeout or remove default_option")
	case !slices.Contains(s.OptionNames(), s.DefaultOption):
		c.problemf("settings.default_option", "default option %q is not an option; use one of %s",
			s.DefaultOption, strings.Join(s.OptionNames(), ", "))
	}
}
