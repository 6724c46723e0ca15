package http

import (
	"bytes"
	"errors"
	"html/template"
	"net/http"
	"time"

	"github.com/tokenmanager/tokenmanager"
)

// views holds one template set per page, each the layout plus the page.
type views struct {
	pages map[string]*template.Template
}

// consolePages are the templates of console/templates, by page name.
var consolePages = []string{"signin", "account", "password", "delete", "admin", "live", "error"}

func parseViews() *views {
	funcs := template.FuncMap{"when": formatTime, "iso": func(t time.Time) string { return t.UTC().Format(time.RFC3339) }}
	v := &views{pages: map[string]*template.Template{}}
	for _, p := range consolePages {
		v.pages[p] = template.Must(template.New(p).Funcs(funcs).ParseFS(consoleFiles,
			"console/templates/layout.html", "console/templates/parts.html", "console/templates/"+p+".html"))
	}
	return v
}

// formatTime shows a time to a person, in UTC.
func formatTime(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.UTC().Format("2 Jan 2006, 15:04 UTC")
}

// viewData is what every page shows: the layout's part, and Page, the
// page's own.
type viewData struct {
	Title string
	User  string
	Admin bool
	CSRF  string
	Note  string
	Error string
	Page  any
}

// render writes a page with status. The page is rendered to a buffer
// first, so a template error becomes a 500, not half a page.
func (c *consoleApp) render(q *consoleReq, status int, page, title string, d viewData) error {
	d.Title, d.CSRF = title, q.csrf
	if q.claims != nil {
		d.User, d.Admin = q.claims.Subject, q.admin
	}
	if d.Note == "" {
		d.Note = noteText(q)
	}
	var buf bytes.Buffer
	if err := c.views.pages[page].ExecuteTemplate(&buf, "layout", d); err != nil {
		return tokenmanager.Wrap(tokenmanager.EInternal, err, "cannot render the page")
	}
	h := q.w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	q.w.WriteHeader(status)
	_, err := q.w.Write(buf.Bytes())
	return err
}

// fail renders err as a page, with the status the API would give it.
func (c *consoleApp) fail(q *consoleReq, err error) {
	code, status := codeAndStatus(err)
	msg := tokenmanager.ErrorMessage(err)
	if errors.Is(err, errConsoleNotFound) {
		status, msg = http.StatusNotFound, "There is no such page."
	} else if status >= 500 {
		logCause(q.r, status, code, err)
		msg = "The server cannot do this right now; try again in a moment."
	}
	if status == http.StatusServiceUnavailable {
		q.w.Header().Set("Retry-After", "1")
	}
	if rerr := c.render(q, status, "error", "Error", viewData{Error: msg}); rerr != nil {
		http.Error(q.w, msg, status)
	}
}

// notes are the messages a redirect can ask the next page to show.
var notes = map[string]string{
	"signed-out":   "You are signed out. Sign in again to continue.",
	"bye":          "You signed out.",
	"password":     "Your password was changed. Your other devices were signed out.",
	"deleted":      "Your account was deleted, and every device signed out.",
	"ended":        "The session was ended: that device is signed out.",
	"ended-others": "Every other device was signed out.",
	"cancel":       "Every token of the user was cancelled.",
	"disable":      "The user was disabled and signed out everywhere.",
	"enable":       "The user was enabled.",
}

// noteText is the message the request asks for, or the one that says the
// browser was just signed out.
func noteText(q *consoleReq) string {
	if n := notes[q.r.URL.Query().Get("note")]; n != "" {
		return n
	}
	if q.signedOut {
		return notes["signed-out"]
	}
	return ""
}

func (c *consoleApp) notFound(q *consoleReq) error { return errConsoleNotFound }
