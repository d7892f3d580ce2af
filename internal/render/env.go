package render

import "os"

// envsubst expands $VAR and ${VAR} from env the way Argo CD expands its build
// environment (ARGOCD_APP_NAME, ARGOCD_APP_REVISION, ...): unknown variables
// become empty and "$$" stands for a literal "$".
func envsubst(s string, env map[string]string) string {
	return os.Expand(s, func(name string) string {
		if name == "$" {
			return "$"
		}
		return env[name]
	})
}
