package cli

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/tether-gitops/tether/internal/gitserver"
)

func newDevGitServerCommand(s Streams) *cobra.Command {
	var (
		root, listen, user, password string
	)
	cmd := &cobra.Command{
		Use:   "git-server",
		Short: "Serve the bare Git repositories under a folder over smart HTTP, for demos and tests",
		Long: `Serve every bare repository under --root over Git's smart HTTP protocol
(fetch and push) on a loopback address, using git http-backend. The
repository ROOT/org/app.git is at http://ADDR/org/app.git. It runs in the
foreground until interrupted; the first line it prints is the base URL.`,
		Example: `  git init --bare /tmp/git/gitops.git
  tether dev git-server --root /tmp/git --listen 127.0.0.1:8300
  git clone http://127.0.0.1:8300/gitops.git`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if st, err := os.Stat(root); err != nil || !st.IsDir() {
				return &ExitError{Code: 2, Err: fmt.Errorf("--root %q is not a folder", root)}
			}
			if password == "" {
				password = os.Getenv("TETHER_GIT_PASSWORD")
			}
			srv := &gitserver.Server{Root: root, Username: user, Password: password}
			l, err := net.Listen("tcp", listen)
			if err != nil {
				return fmt.Errorf("listen on %s: %w", listen, err)
			}
			fprintf(s.Out, "http://%s\n", l.Addr())
			hs := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 10 * time.Second}
			go func() {
				<-cmd.Context().Done()
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				defer cancel()
				_ = hs.Shutdown(ctx)
			}()
			if err := hs.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
				return err
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&root, "root", ".", "folder holding bare repositories")
	cmd.Flags().StringVar(&listen, "listen", "127.0.0.1:0", "address to listen on")
	cmd.Flags().StringVar(&user, "username", "", "require HTTP basic auth with this user")
	cmd.Flags().StringVar(&password, "password", "", "password for --username (default $TETHER_GIT_PASSWORD)")
	return cmd
}
