package http

import (
	"net/http"
	"time"

	"github.com/tokenmanager/tokenmanager"
)

// sessionView is one session as the console lists it.
type sessionView struct {
	ID, Device, Address string
	Created, LastUsed   time.Time
	Current             bool
}

func sessionViews(ss []*tokenmanager.Session, current string) []sessionView {
	out := make([]sessionView, 0, len(ss))
	for _, s := range ss {
		out = append(out, sessionView{ID: s.ID, Device: deviceName(s.UserAgent), Address: s.Address,
			Created: s.CreatedAt, LastUsed: s.LastUsedAt, Current: s.ID == current})
	}
	return out
}

// accountPage is the home page of a signed-in user.
type accountPage struct {
	Account  *tokenmanager.Account
	Sessions []sessionView
	Others   int
}

// home is GET /console/: the user's account and devices, or the sign-in
// form.
func (c *consoleApp) home(q *consoleReq) error {
	if q.claims == nil {
		return c.render(q, http.StatusOK, "signin", "Sign in", viewData{})
	}
	ctx, sub := q.r.Context(), q.claims.Subject
	acc, err := c.s.Accounts.Account(ctx, sub)
	if err != nil {
		return err
	}
	ss, err := c.s.Manager.Sessions(ctx, sub)
	if err != nil {
		return err
	}
	views := sessionViews(ss, q.claims.SessionID)
	return c.render(q, http.StatusOK, "account", "Your devices", viewData{Page: accountPage{acc, views, len(views) - 1}})
}

// signIn is POST /console/sign-in: a session like any other, on this
// browser, whose tokens go into its cookies.
func (c *consoleApp) signIn(q *consoleReq) error {
	s, ctx, r := c.s, q.r.Context(), q.r
	meta := s.sessionMeta(r)
	name := capUsername(r.PostForm.Get("username"))
	acc, err := s.Accounts.SignIn(ctx, name, r.PostForm.Get("password"), meta.Address)
	if err == nil {
		var pair *tokenmanager.TokenPair
		if pair, err = s.Manager.Issue(ctx, acc.Username, meta); err == nil {
			if err = s.confirmSignIn(ctx, acc, pair); err == nil {
				c.setTokens(q, pair)
				return redirect(q, consolePrefix, "")
			}
		}
	}
	code, status := codeAndStatus(err)
	if status >= 500 {
		return err
	}
	msg := tokenmanager.ErrorMessage(err)
	if code == tokenmanager.EInvalidGrant {
		msg = "Wrong username or password."
	}
	return c.render(q, status, "signin", "Sign in", viewData{Error: msg, Page: map[string]string{"Username": name}})
}

// signOut is POST /console/sign-out: this browser's session is cancelled.
func (c *consoleApp) signOut(q *consoleReq) error {
	if err := c.s.Manager.CancelSessionOf(q.r.Context(), q.claims.SessionID, q.claims.Subject); err != nil {
		return err
	}
	c.clearTokens(q)
	return redirect(q, consolePrefix, "bye")
}

// endSessions is POST /console/sessions/end: one session (session=ID),
// every other one (scope=others) or all of them (scope=all). Ending this
// browser's own session signs it out.
func (c *consoleApp) endSessions(q *consoleReq) error {
	ctx, sub, current := q.r.Context(), q.claims.Subject, q.claims.SessionID
	switch id, scope := q.r.PostForm.Get("session"), q.r.PostForm.Get("scope"); {
	case id != "":
		if err := c.s.Manager.CancelOwnSession(ctx, sub, id); err != nil {
			return err
		}
		if id == current {
			c.clearTokens(q)
			return redirect(q, consolePrefix, "bye")
		}
		return redirect(q, consolePrefix, "ended")
	case scope == "others":
		if err := c.s.Manager.CancelOtherSessions(ctx, sub, current); err != nil {
			return err
		}
		return redirect(q, consolePrefix, "ended-others")
	case scope == "all":
		if err := c.s.Manager.CancelSubject(ctx, sub); err != nil {
			return err
		}
		c.clearTokens(q)
		return redirect(q, consolePrefix, "bye")
	}
	return tokenmanager.Errorf(tokenmanager.EInvalid, "say which session to end")
}

// passwordPage is GET /console/password.
func (c *consoleApp) passwordPage(q *consoleReq) error {
	return c.render(q, http.StatusOK, "password", "Change your password", viewData{})
}

// changePassword is POST /console/password: the other sessions end, this
// one stays.
func (c *consoleApp) changePassword(q *consoleReq) error {
	f := q.r.PostForm
	if f.Get("new_password") != f.Get("confirm_password") {
		return c.render(q, http.StatusBadRequest, "password", "Change your password",
			viewData{Error: "The two new passwords differ."})
	}
	err := c.s.Accounts.ChangePassword(q.r.Context(), c.s.Manager, q.claims.Subject, q.claims.SessionID,
		f.Get("current_password"), f.Get("new_password"), c.s.clientAddress(q.r))
	if err != nil {
		return c.formError(q, err, "password", "Change your password")
	}
	return redirect(q, consolePrefix, "password")
}

// deletePage is GET /console/delete.
func (c *consoleApp) deletePage(q *consoleReq) error {
	return c.render(q, http.StatusOK, "delete", "Delete your account", viewData{})
}

// deleteAccount is POST /console/delete: with the password, the account
// goes and every token of the user is cancelled.
func (c *consoleApp) deleteAccount(q *consoleReq) error {
	err := c.s.Accounts.DeleteOwn(q.r.Context(), c.s.Manager, q.claims.Subject,
		q.r.PostForm.Get("password"), c.s.clientAddress(q.r))
	if err != nil {
		return c.formError(q, err, "delete", "Delete your account")
	}
	c.clearTokens(q)
	return redirect(q, consolePrefix, "deleted")
}

// formError shows a refused form again with the reason, or fails the
// request when the server is at fault.
func (c *consoleApp) formError(q *consoleReq, err error, page, title string) error {
	_, status := codeAndStatus(err)
	if status >= 500 {
		return err
	}
	return c.render(q, status, page, title, viewData{Error: tokenmanager.ErrorMessage(err)})
}

// alive is GET /console/alive, asked every few seconds by an open page:
// 204 while the browser's session holds, 401 once it ended (the page then
// goes to the sign-in form).
func (c *consoleApp) alive(w http.ResponseWriter, r *http.Request) {
	q := &consoleReq{w: w, r: r}
	w.Header().Set("Cache-Control", "no-store")
	if err := c.load(q); err != nil {
		Error(w, r, err)
		return
	}
	if q.claims == nil {
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
