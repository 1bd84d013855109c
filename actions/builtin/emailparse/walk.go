package emailparse

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/mail"
	"net/textproto"
	"strings"

	"github.com/updraftsoar/updraft/actions/builtin/hash"
)

// maxDepth is the deepest multipart nesting that walk reads; real mail
// rarely goes past 4 levels.
const maxDepth = 20

// Attachment is a part that is not a body: one with a file name, with
// Content-Disposition attachment, or of a type other than text.
type Attachment struct {
	Filename    string `json:"filename"`
	ContentType string `json:"content_type"`
	Size        int    `json:"size"` // bytes after transfer decoding
	MD5         string `json:"md5"`
	SHA1        string `json:"sha1"`
	SHA256      string `json:"sha256"`
}

// walker collects the bodies and attachments of a message.
type walker struct {
	out *Output
}

func textprotoHeader(h mail.Header) textproto.MIMEHeader { return textproto.MIMEHeader(h) }

// walk reads one MIME entity with header h and body r.
func (w *walker) walk(h textproto.MIMEHeader, r io.Reader, depth int) {
	mediaType, params, err := mime.ParseMediaType(h.Get("Content-Type"))
	if err != nil {
		mediaType, params = "text/plain", map[string]string{}
	}
	if strings.HasPrefix(mediaType, "multipart/") && depth < maxDepth {
		w.walkMultipart(r, params["boundary"], depth)
		return
	}

	raw, err := io.ReadAll(r)
	if err != nil {
		w.warn("read %s part: %v", mediaType, err)
		return
	}
	body, err := decodeTransfer(raw, h.Get("Content-Transfer-Encoding"))
	if err != nil {
		w.warn("decode %s part: %v", mediaType, err)
		body = raw
	}

	filename := partFilename(h, params)
	disposition, _, _ := mime.ParseMediaType(h.Get("Content-Disposition"))
	isBody := filename == "" && disposition != "attachment" &&
		(mediaType == "text/plain" || mediaType == "text/html")
	if !isBody {
		w.addAttachment(filename, mediaType, body)
		return
	}
	text, err := toUTF8(body, params["charset"])
	if err != nil {
		w.warn("%s part: %v", mediaType, err)
	}
	if mediaType == "text/html" {
		w.out.HTMLBody = joinBodies(w.out.HTMLBody, text)
	} else {
		w.out.TextBody = joinBodies(w.out.TextBody, text)
	}
}

func (w *walker) walkMultipart(r io.Reader, boundary string, depth int) {
	if boundary == "" {
		w.warn("multipart part has no boundary")
		return
	}
	mr := multipart.NewReader(bufio.NewReader(r), boundary)
	for {
		// NextRawPart leaves quoted-printable undecoded, so that walk
		// decodes every part the same way.
		part, err := mr.NextRawPart()
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			w.warn("multipart: %v", err)
			return
		}
		w.walk(part.Header, part, depth+1)
	}
}

func (w *walker) addAttachment(filename, contentType string, body []byte) {
	sums, _ := hash.Compute(body, []string{"md5", "sha1", "sha256"})
	w.out.Attachments = append(w.out.Attachments, Attachment{
		Filename:    filename,
		ContentType: contentType,
		Size:        len(body),
		MD5:         sums.MD5,
		SHA1:        sums.SHA1,
		SHA256:      sums.SHA256,
	})
}

func (w *walker) warn(format string, args ...any) {
	w.out.Warnings = append(w.out.Warnings, fmt.Sprintf(format, args...))
}

// partFilename returns the decoded file name from Content-Disposition,
// or else from the name parameter of Content-Type.
func partFilename(h textproto.MIMEHeader, typeParams map[string]string) string {
	_, params, err := mime.ParseMediaType(h.Get("Content-Disposition"))
	name := ""
	if err == nil {
		name = params["filename"]
	}
	if name == "" {
		name = typeParams["name"]
	}
	return decodeWords(name)
}

// joinBodies appends a further body part of the same type, such as the
// text after an inline image, on a new line.
func joinBodies(have, more string) string {
	if have == "" {
		return more
	}
	return have + "\n" + more
}
