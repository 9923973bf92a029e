package broker

import (
	"crypto/rand"
	"encoding/hex"

	"github.com/nats-io/nats-server/v2/server"
	"golang.org/x/crypto/bcrypt"
)

// Users of a listening broker. The app's own in-process connection is
// AppUser, with a secret made at each start; everyone else presents the
// token as RemoteUser's password (Connect does).
const (
	AppUser    = "tessera-app"
	RemoteUser = "tessera"
)

// agentPermissions is what a remote client may not do when the remote
// clients are agents (Config.AgentsOnly): submit jobs or training sets,
// touch the app's consumer of EVENTS, or create, change, purge or delete
// the shared streams and their messages. The rest (its consumers on JOBS,
// acks, events, the workers bucket, reading training sets, writing
// artifacts) is what an agent does.
func agentPermissions() *server.Permissions {
	return &server.Permissions{Publish: &server.SubjectPermission{Deny: []string{
		"tessera.jobs.>",
		"$O." + BucketTrainingSets + ".>",
		"$JS.API.STREAM.CREATE.>", "$JS.API.STREAM.UPDATE.>", "$JS.API.STREAM.DELETE.>",
		"$JS.API.STREAM.RESTORE.>", "$JS.API.STREAM.SNAPSHOT.>", "$JS.API.STREAM.MSG.DELETE.>",
		"$JS.API.STREAM.PURGE." + StreamJobs, "$JS.API.STREAM.PURGE." + StreamEvents,
		"$JS.API.STREAM.PURGE.OBJ_" + BucketTrainingSets,
		"$JS.API.CONSUMER.*." + StreamEvents, "$JS.API.CONSUMER.*." + StreamEvents + ".>",
		"$JS.API.CONSUMER.*.*." + StreamEvents + ".>",
		"$JS.ACK." + StreamEvents + ".>",
		"$JS.API.CONSUMER.DELETE." + StreamJobs + ".>",
	}}}
}

func newSecret() string {
	b := make([]byte, 24)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// hashed is a password as the server keeps it: bcrypt, not plain text.
func hashed(password string) (string, error) {
	h, err := bcrypt.GenerateFromPassword([]byte(password), 8)
	return string(h), err
}
