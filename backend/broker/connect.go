package broker

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"
)

// connectTimeout bounds one connection attempt's dial and handshake.
const connectTimeout = 15 * time.Second

// ErrTokenRefused is in the chain of Connect's error when the broker turned
// the token down (wrong or missing).
var ErrTokenRefused = errors.New("broker refused the token")

// Connect dials a broker over TCP, as agents and remote clients do, with the
// token (none if "") and a connection name shown in the server's monitoring.
// The connection reconnects for ever once up; opts are applied after these
// defaults, for handlers and the like. ctx bounds the first connect only.
func Connect(ctx context.Context, url, token, name string, opts ...nats.Option) (*nats.Conn, error) {
	// The handshake checks the token against its bcrypt hash on the
	// broker: a busy broker (many agents and apps at once) can take longer
	// than nats.go's 2 s default, which then fails the connect.
	all := []nats.Option{nats.Name(name), nats.MaxReconnects(-1), nats.Timeout(connectTimeout)}
	if token != "" {
		all = append(all, nats.UserInfo(RemoteUser, token))
	}
	all = append(all, opts...)

	type result struct {
		nc  *nats.Conn
		err error
	}
	done := make(chan result, 1)
	go func() {
		nc, err := nats.Connect(url, all...)
		done <- result{nc, err}
	}()
	select {
	case r := <-done:
		if r.err != nil {
			return nil, connectError(url, r.err)
		}
		return r.nc, nil
	case <-ctx.Done():
		go func() { // close the connection if it comes up after all
			if r := <-done; r.nc != nil {
				r.nc.Close()
			}
		}()
		return nil, fmt.Errorf("connect to broker %s: %w", url, ctx.Err())
	}
}

func connectError(url string, err error) error {
	if errors.Is(err, nats.ErrAuthorization) {
		return fmt.Errorf("connect to broker %s: %w (%w)", url, ErrTokenRefused, err)
	}
	return fmt.Errorf("connect to broker %s: %w", url, err)
}
