package broker

import "fmt"

// serverLogger hands nats-server's warnings and errors to Logf and drops
// notices, debug and trace lines. A fatal line (a port already in use,
// JetStream failing to start) is also sent on fatal, so Start can fail at
// once instead of waiting out its timeout.
type serverLogger struct {
	logf  func(format string, args ...any)
	fatal chan string // buffered; extra lines are dropped
}

func newServerLogger(logf func(string, ...any)) *serverLogger {
	if logf == nil {
		logf = func(string, ...any) {}
	}
	return &serverLogger{logf: logf, fatal: make(chan string, 1)}
}

func (l *serverLogger) Noticef(string, ...any) {}
func (l *serverLogger) Debugf(string, ...any)  {}
func (l *serverLogger) Tracef(string, ...any)  {}

func (l *serverLogger) Warnf(format string, v ...any) {
	l.logf("nats: warning: %s", fmt.Sprintf(format, v...))
}

func (l *serverLogger) Errorf(format string, v ...any) {
	l.logf("nats: error: %s", fmt.Sprintf(format, v...))
}

func (l *serverLogger) Fatalf(format string, v ...any) {
	msg := fmt.Sprintf(format, v...)
	l.logf("nats: fatal: %s", msg)
	select {
	case l.fatal <- msg:
	default:
	}
}
