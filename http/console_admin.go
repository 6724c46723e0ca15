package http

import (
	"net/http"
	"net/url"

	"github.com/tokenmanager/tokenmanager"
)

// adminUserPage is what the admin sees of the user they looked up.
type adminUserPage struct {
	Query    string
	Account  *tokenmanager.Account
	Sessions []sessionView
	NotFound bool
}

// adminPage is GET /console/admin?user=NAME: find a user, see their
// sessions and state.
func (c *consoleApp) adminPage(q *consoleReq) error {
	query := q.r.URL.Query().Get("user")
	page := adminUserPage{Query: query}
	if query != "" {
		if err := c.lookUp(q, &page); err != nil {
			return err
		}
	}
	return c.render(q, http.StatusOK, "admin", "Users", viewData{Page: page})
}

// lookUp fills page with the account named page.Query and its sessions.
func (c *consoleApp) lookUp(q *consoleReq, page *adminUserPage) error {
	ctx := q.r.Context()
	acc, err := c.s.Accounts.Account(ctx, page.Query)
	if code := tokenmanager.ErrorCode(err); code == tokenmanager.ENotFound || code == tokenmanager.EInvalid {
		page.NotFound = true
		return nil
	} else if err != nil {
		return err
	}
	ss, err := c.s.Manager.Sessions(ctx, acc.Username)
	if err != nil {
		return err
	}
	page.Account, page.Sessions = acc, sessionViews(ss, "")
	return nil
}

// adminAction is POST /console/admin/users/{username}/{action}: cancel
// every token of the user, disable them (which also cancels every token)
// or enable them.
func (c *consoleApp) adminAction(q *consoleReq) error {
	ctx, name, action := q.r.Context(), q.r.PathValue("username"), q.r.PathValue("action")
	canon, err := tokenmanager.CanonicalUsername(name)
	if err != nil {
		return err
	}
	switch action {
	case "cancel":
		err = c.s.Manager.CancelSubject(ctx, canon)
	case "disable":
		err = c.s.Accounts.Disable(ctx, c.s.Manager, canon)
	case "enable":
		err = c.s.Accounts.Enable(ctx, canon)
	default:
		return errConsoleNotFound
	}
	if err != nil {
		return err
	}
	return redirect(q, "/console/admin?user="+url.QueryEscape(canon), action)
}

// adminEndSession is POST /console/admin/sessions/end: one session of the
// user shown (session=ID, user=NAME).
func (c *consoleApp) adminEndSession(q *consoleReq) error {
	f := q.r.PostForm
	if err := c.s.Manager.CancelSession(q.r.Context(), f.Get("session")); err != nil {
		return err
	}
	return redirect(q, "/console/admin?user="+url.QueryEscape(f.Get("user")), "ended")
}

// livePage is GET /console/admin/live: the cancellations of every
// instance as they happen (console/static/live.js follows the stream).
func (c *consoleApp) livePage(q *consoleReq) error {
	return c.render(q, http.StatusOK, "live", "Live cancellations", viewData{})
}

// events is GET /console/events: the stream of GET /events/cancellations
// for a signed-in admin's browser, which authenticates with its cookies
// (an EventSource cannot send an Authorization header).
func (c *consoleApp) events(w http.ResponseWriter, r *http.Request) {
	q := &consoleReq{w: w, r: r}
	err := c.load(q)
	if err == nil && (q.claims == nil || !q.admin) {
		err = tokenmanager.Errorf(tokenmanager.EForbidden, "the live list is for signed-in admins")
	}
	if err == nil {
		err = c.s.cancellationEvents(w, r)
	}
	if err != nil {
		Error(w, r, err)
	}
}
