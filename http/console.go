package http

import (
	"embed"
	"io/fs"
	"net/http"
	"time"
)

// The web console (GET /console/): a user signs in, sees and ends their
// sessions, changes their password and deletes their account; an admin
// finds a user, ends their sessions, disables or enables them, and watches
// cancellations as they happen. It is server-rendered HTML (html/template,
// assets embedded, nothing loaded from other sites) that works without
// JavaScript, except for the live list of cancellations and the watcher
// that signs an open page out when its session ends.
//
// The console's own sign-in is a session like any other: it shows in the
// list, and ending it signs the browser out. Its tokens live in HttpOnly,
// SameSite=Strict cookies (Secure behind https), refreshed as they expire.
// Every form carries a token that must match a cookie (double submit), on
// top of SameSite=Strict and the cross-origin protection of every route.

//go:embed console/templates/*.html console/static/*
var consoleFiles embed.FS

// consolePrefix is where the console is served.
const consolePrefix = "/console/"

// consoleCSP is the Content-Security-Policy of every console answer:
// nothing but this origin's own scripts, styles and connections.
const consoleCSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; " +
	"connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// console returns the console's handler, mounted at consolePrefix.
func (s *Server) console() http.Handler {
	static, _ := fs.Sub(consoleFiles, "console/static")
	views := parseViews()
	c := &consoleApp{s: s, views: views}
	mux := http.NewServeMux()
	mux.Handle("GET /console/static/", http.StripPrefix("/console/static/", staticFiles(static)))
	mux.HandleFunc("GET /console/{$}", c.page(c.home))
	mux.HandleFunc("POST /console/sign-in", c.form(c.signIn))
	mux.HandleFunc("POST /console/sign-out", c.form(c.user(c.signOut)))
	mux.HandleFunc("POST /console/sessions/end", c.form(c.user(c.endSessions)))
	mux.HandleFunc("GET /console/password", c.page(c.user(c.passwordPage)))
	mux.HandleFunc("POST /console/password", c.form(c.user(c.changePassword)))
	mux.HandleFunc("GET /console/delete", c.page(c.user(c.deletePage)))
	mux.HandleFunc("POST /console/delete", c.form(c.user(c.deleteAccount)))
	mux.HandleFunc("GET /console/admin", c.page(c.admin(c.adminPage)))
	mux.HandleFunc("POST /console/admin/users/{username}/{action}", c.form(c.admin(c.adminAction)))
	mux.HandleFunc("POST /console/admin/sessions/end", c.form(c.admin(c.adminEndSession)))
	mux.HandleFunc("GET /console/admin/live", c.page(c.admin(c.livePage)))
	mux.HandleFunc("GET /console/events", c.events)
	mux.HandleFunc("GET /console/alive", c.alive)
	mux.HandleFunc("/console/", c.page(c.notFound))
	return securityHeaders(mux)
}

// staticFiles serves the embedded assets, cached for an hour.
func staticFiles(fsys fs.FS) http.Handler {
	files := http.FileServerFS(fsys)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		files.ServeHTTP(w, r)
	})
}

// securityHeaders sets the headers every console answer carries.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", consoleCSP)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		next.ServeHTTP(w, r)
	})
}

// consoleApp holds the console's handlers.
type consoleApp struct {
	s     *Server
	views *views
}

// alivePoll is how often an open page asks whether its session still
// holds (console/static/alive.js reads it from the page).
const alivePoll = 3 * time.Second
