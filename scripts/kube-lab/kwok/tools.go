//go:build tools

package kwoktools

import _ "sigs.k8s.io/kwok/cmd/kwok"
