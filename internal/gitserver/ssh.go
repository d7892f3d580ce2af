package gitserver

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"os/exec"
	"path"
	"path/filepath"
	"strings"
	"sync"

	"golang.org/x/crypto/ssh"
)

// SSHServer serves the bare repositories under Root over ssh: an exec
// request for git-upload-pack or git-receive-pack with a path runs that
// program on Root/path. Paths may be absolute or relative; either way they
// are taken relative to Root and cannot leave it. No shell, no other
// command, no port forwarding.
type SSHServer struct {
	// Root is the directory that holds the repositories.
	Root string
	// HostKey is the server's host key. Required.
	HostKey ssh.Signer
	// AuthorizedKeys are the client keys accepted; with none, every client
	// is refused.
	AuthorizedKeys []ssh.PublicKey
}

// Serve accepts connections on l until l is closed, and returns nil then.
// Each connection is served in its own goroutine.
func (s *SSHServer) Serve(l net.Listener) error {
	config := &ssh.ServerConfig{PublicKeyCallback: s.checkKey}
	config.AddHostKey(s.HostKey)
	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		conn, err := l.Accept()
		if errors.Is(err, net.ErrClosed) {
			return nil
		}
		if err != nil {
			return err
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.serveConn(conn, config)
		}()
	}
}

func (s *SSHServer) checkKey(_ ssh.ConnMetadata, key ssh.PublicKey) (*ssh.Permissions, error) {
	for _, k := range s.AuthorizedKeys {
		if bytes.Equal(k.Marshal(), key.Marshal()) {
			return &ssh.Permissions{}, nil
		}
	}
	return nil, errors.New("unknown public key")
}

func (s *SSHServer) serveConn(conn net.Conn, config *ssh.ServerConfig) {
	defer conn.Close()
	sconn, chans, reqs, err := ssh.NewServerConn(conn, config)
	if err != nil {
		return
	}
	defer sconn.Close()
	go ssh.DiscardRequests(reqs)
	for nc := range chans {
		if nc.ChannelType() != "session" {
			_ = nc.Reject(ssh.UnknownChannelType, "only sessions are served")
			continue
		}
		ch, requests, err := nc.Accept()
		if err != nil {
			continue
		}
		go s.serveSession(ch, requests)
	}
}

// serveSession answers the requests of one session until an exec request,
// which it runs, then closes the channel.
func (s *SSHServer) serveSession(ch ssh.Channel, requests <-chan *ssh.Request) {
	defer ch.Close()
	for req := range requests {
		switch req.Type {
		case "env":
			_ = req.Reply(true, nil)
		case "exec":
			var payload struct{ Command string }
			if err := ssh.Unmarshal(req.Payload, &payload); err != nil {
				_ = req.Reply(false, nil)
				continue
			}
			program, dir, err := s.parseCommand(payload.Command)
			if err != nil {
				_ = req.Reply(false, nil)
				fmt.Fprintf(ch.Stderr(), "gitserver: %v\n", err)
				return
			}
			_ = req.Reply(true, nil)
			code := runGit(ch, program, dir)
			_, _ = ch.SendRequest("exit-status", false, ssh.Marshal(struct{ Status uint32 }{code}))
			return
		default:
			_ = req.Reply(false, nil)
		}
	}
}

// parseCommand reads "git-upload-pack '/org/repo.git'" (or
// git-receive-pack, or "git upload-pack") into the git subcommand and the
// repository directory under Root.
func (s *SSHServer) parseCommand(command string) (program, dir string, err error) {
	name, arg, ok := strings.Cut(strings.TrimSpace(command), " ")
	if name == "git" {
		name, arg, ok = strings.Cut(strings.TrimSpace(arg), " ")
		name = "git-" + name
	}
	if !ok || (name != "git-upload-pack" && name != "git-receive-pack") {
		return "", "", fmt.Errorf("command not allowed: %q", command)
	}
	arg = strings.Trim(strings.TrimSpace(arg), "'\"")
	clean := path.Clean("/" + arg)
	return strings.TrimPrefix(name, "git-"), filepath.Join(s.Root, filepath.FromSlash(clean)), nil
}

// runGit runs `git <program> <dir>` with the channel as its standard
// streams and returns its exit status.
func runGit(ch ssh.Channel, program, dir string) uint32 {
	cmd := exec.Command("git", program, dir)
	cmd.Env = gitEnv()
	cmd.Stdout, cmd.Stderr = ch, ch.Stderr()
	stdin, err := cmd.StdinPipe()
	if err == nil {
		err = cmd.Start()
	}
	if err != nil {
		fmt.Fprintf(ch.Stderr(), "gitserver: %v\n", err)
		return 1
	}
	go func() {
		_, _ = io.Copy(stdin, ch)
		_ = stdin.Close()
	}()
	if err := cmd.Wait(); err != nil {
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			return uint32(exit.ExitCode())
		}
		return 1
	}
	return 0
}
