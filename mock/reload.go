package mock

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/fsnotify/fsnotify"
)

// reload reads the user files again and, if they are all good, swaps
// them in at once. inUse are the scenarios that must stay: a scenario in
// use must not vanish under its users. On any problem the last good
// state keeps serving, and the error lists every problem as
// path:line: message.
func (f *userFiles) reload(inUse map[string]bool) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	lib, err := f.load()
	if err != nil {
		return err
	}
	var gone []string
	for name := range inUse {
		if lib.scenarios[name] == nil {
			gone = append(gone, name)
		}
	}
	if len(gone) > 0 {
		sort.Strings(gone)
		return fmt.Errorf("scenario %s is active but its file is gone: restore it, or switch scenario first", strings.Join(gone, ", "))
	}
	f.lib.Store(lib)
	return nil
}

// watch calls reload when files under the configured directories change,
// until ctx ends. Bursts of events (an editor's save) become one reload.
func (f *userFiles) watch(ctx context.Context, reload func()) error {
	dirs := f.cfg.watchDirs()
	if len(dirs) == 0 {
		return nil
	}
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return fmt.Errorf("watch files: %w", err)
	}
	for _, d := range dirs {
		if err := w.Add(d); err != nil {
			w.Close()
			return fmt.Errorf("watch %s: %w", d, err)
		}
	}
	go func() {
		defer w.Close()
		const settle = 150 * time.Millisecond
		timer := time.NewTimer(time.Hour)
		timer.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case ev, ok := <-w.Events:
				if !ok {
					return
				}
				// Chmod changes no content; other files than odmock's
				// (its own log among them) are none of its business.
				if ev.Op&(fsnotify.Write|fsnotify.Create|fsnotify.Remove|fsnotify.Rename) != 0 && f.cfg.loads(ev.Name) {
					timer.Reset(settle)
				}
			case err, ok := <-w.Errors:
				if !ok {
					return
				}
				f.log.Warn("watch files", "err", err)
			case <-timer.C:
				reload()
			}
		}
	}()
	return nil
}

// Reload reads the scenario and fixture files again and, if they are all
// good, swaps them in at once. On any problem the last good state keeps
// serving, and the error lists every problem as path:line: message.
func (s *Server) Reload() error { return s.files.reload(s.scenarios.inUse()) }

// reloadAndLog reloads, logging the outcome: each problem on its own line.
func (s *Server) reloadAndLog() {
	err := s.Reload()
	var ps Problems
	switch {
	case err == nil:
		s.log.Info("reloaded scenarios and fixtures", "scenarios", len(s.files.current().scenarios))
	case errors.As(err, &ps):
		for _, p := range ps {
			s.log.Error("reload rejected: " + p.String())
		}
		s.log.Error("reload rejected: the last good state keeps serving", "problems", len(ps))
	default:
		s.log.Error("reload rejected: " + err.Error() + ": the last good state keeps serving")
	}
}
