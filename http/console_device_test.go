package http

import "testing"

func TestDeviceName(t *testing.T) {
	for _, c := range []struct{ name, ua, want string }{
		{"empty", "", "Unknown device"},
		{"curl", "curl/8.5.0", "curl"},
		{"firefox on linux", "Mozilla/5.0 (X11; Linux x86_64; rv:130.0) Gecko/20100101 Firefox/130.0", "Firefox on Linux"},
		{"chrome on windows", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36", "Chrome on Windows"},
		{"edge", "Mozilla/5.0 (Windows NT 10.0) AppleWebKit/537.36 Chrome/130.0 Safari/537.36 Edg/130.0", "Edge on Windows"},
		{"safari on iphone", "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Version/17.0 Mobile/15E148 Safari/604.1", "Safari on iPhone"},
		{"chrome on android", "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 Chrome/130.0 Mobile Safari/537.36", "Chrome on Android"},
		{"headless", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 HeadlessChrome/130.0 Safari/537.36", "Headless Chrome on Linux"},
		{"a program", "my-gateway/1.2 (+https://example.com)", "my-gateway"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := deviceName(c.ua); got != c.want {
				t.Errorf("deviceName(%q) = %q, want %q", c.ua, got, c.want)
			}
		})
	}
}
