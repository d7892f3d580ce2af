package gitserver

import (
	"crypto/subtle"
	"fmt"
	"net/http"
	"net/http/cgi"
	"os/exec"
)

// Server serves the bare repositories under Root over Git's smart HTTP
// protocol: the repository Root/org/repo.git is at <base URL>/org/repo.git.
// Fetches and pushes both work. Set the fields before calling Handler.
type Server struct {
	// Root is the directory that holds the repositories.
	Root string
	// Username and Password, when Username is set, require HTTP basic
	// authentication on every request.
	Username, Password string
}

// Handler returns the HTTP handler of the server. It runs
// `git http-backend` for each request, with every repository under Root
// exported, pushes enabled and the user's and system's git configuration
// ignored. When git is not installed every request fails with 500.
func (s *Server) Handler() http.Handler {
	git, err := exec.LookPath("git")
	if err != nil {
		return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			http.Error(w, fmt.Sprintf("gitserver: %v", err), http.StatusInternalServerError)
		})
	}
	backend := &cgi.Handler{
		Path:       git,
		Args:       []string{"http-backend"},
		Env:        append(gitEnv(), "GIT_PROJECT_ROOT="+s.Root, "GIT_HTTP_EXPORT_ALL=1"),
		InheritEnv: []string{"PATH"},
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !s.authorized(r) {
			w.Header().Set("WWW-Authenticate", `Basic realm="gitserver"`)
			http.Error(w, "authentication required", http.StatusUnauthorized)
			return
		}
		backend.ServeHTTP(w, r)
	})
}

func (s *Server) authorized(r *http.Request) bool {
	if s.Username == "" {
		return true
	}
	user, password, ok := r.BasicAuth()
	return ok && subtle.ConstantTimeCompare([]byte(user), []byte(s.Username)) == 1 &&
		subtle.ConstantTimeCompare([]byte(password), []byte(s.Password)) == 1
}

// gitEnv is the environment of every git process: no user or system
// configuration, pushes to served repositories allowed, and repositories
// owned by another user accepted.
func gitEnv() []string {
	return []string{
		"GIT_CONFIG_NOSYSTEM=1",
		"GIT_CONFIG_GLOBAL=/dev/null",
		"GIT_CONFIG_COUNT=2",
		"GIT_CONFIG_KEY_0=http.receivepack",
		"GIT_CONFIG_VALUE_0=true",
		"GIT_CONFIG_KEY_1=safe.directory",
		"GIT_CONFIG_VALUE_1=*",
		"GIT_TERMINAL_PROMPT=0",
	}
}
