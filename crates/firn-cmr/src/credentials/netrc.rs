//! Just enough of the netrc format to find a machine's login and password.
//!
//! Written here rather than taken from a crate: the netrc crates on crates.io put the offending
//! token into their parse errors, and in a netrc file that token can be a password. Errors here
//! name the line and never a token's value.
//!
//! Grammar (as curl and Python's `netrc` read it): white-space separated tokens, `"..."` quoting
//! with backslash escapes, `#` comments to the end of the line, entries `machine NAME` or
//! `default` followed by `login|user NAME`, `password VALUE`, `account VALUE`, and `macdef NAME`
//! whose body runs to the next empty line.

use crate::Secret;

/// A machine's entry.
#[derive(Debug, Default)]
pub(crate) struct NetrcEntry {
    /// `login` (or `user`).
    pub(crate) login: Option<String>,
    /// `password`.
    pub(crate) password: Option<Secret>,
}

/// A parse error: 1-based line and what is wrong.
#[derive(Debug, PartialEq)]
pub(crate) struct NetrcSyntax {
    pub(crate) line: usize,
    pub(crate) message: String,
}

/// The entry for `machine`, else the `default` entry, else `None`.
pub(crate) fn lookup(text: &str, machine: &str) -> Result<Option<NetrcEntry>, NetrcSyntax> {
    let mut scanner = Scanner::new(text);
    let mut found: Option<NetrcEntry> = None;
    let mut default: Option<NetrcEntry> = None;
    let mut pending = scanner.token()?;
    while let Some((keyword, line)) = pending.take() {
        let target = match keyword.as_str() {
            "machine" => {
                let (name, _) = scanner.value(line, "machine")?;
                Some(name == machine && found.is_none())
            }
            "default" => Some(false),
            "macdef" => {
                scanner.value(line, "macdef")?;
                scanner.skip_macro_body();
                pending = scanner.token()?;
                continue;
            }
            _ => None,
        };
        let Some(is_match) = target else {
            return Err(NetrcSyntax {
                line,
                message: "expected `machine`, `default` or `macdef`".into(),
            });
        };
        let is_default = keyword == "default";
        let mut entry = NetrcEntry::default();
        loop {
            pending = scanner.token()?;
            let Some((field, line)) = pending.as_ref() else {
                break;
            };
            match field.as_str() {
                "login" | "user" => entry.login = Some(scanner.value(*line, "login")?.0),
                "password" => {
                    entry.password = Some(Secret::new(scanner.value(*line, "password")?.0))
                }
                "account" => {
                    scanner.value(*line, "account")?;
                }
                "machine" | "default" | "macdef" => break,
                _ => {
                    return Err(NetrcSyntax {
                        line: *line,
                        message: "unknown keyword in an entry (expected login, password or account; is a value missing its quotes?)".into(),
                    });
                }
            }
        }
        if is_match {
            found = Some(entry);
        } else if is_default && default.is_none() {
            default = Some(entry);
        }
    }
    Ok(found.or(default))
}

/// Tokens of a netrc text with their line numbers.
struct Scanner<'a> {
    chars: std::iter::Peekable<std::str::Chars<'a>>,
    line: usize,
}

impl<'a> Scanner<'a> {
    fn new(text: &'a str) -> Self {
        Self {
            chars: text.chars().peekable(),
            line: 1,
        }
    }

    fn next_char(&mut self) -> Option<char> {
        let c = self.chars.next()?;
        if c == '\n' {
            self.line += 1;
        }
        Some(c)
    }

    /// The next token and its line, skipping white space and comments; `None` at the end.
    fn token(&mut self) -> Result<Option<(String, usize)>, NetrcSyntax> {
        loop {
            match self.chars.peek() {
                None => return Ok(None),
                Some(c) if c.is_whitespace() => {
                    self.next_char();
                }
                Some('#') => {
                    while let Some(c) = self.next_char() {
                        if c == '\n' {
                            break;
                        }
                    }
                }
                Some(_) => break,
            }
        }
        let line = self.line;
        let mut token = String::new();
        if self.chars.peek() == Some(&'"') {
            self.next_char();
            loop {
                match self.next_char() {
                    None => {
                        return Err(NetrcSyntax {
                            line,
                            message: "a quoted value is not closed".into(),
                        });
                    }
                    Some('"') => break,
                    Some('\\') => {
                        if let Some(c) = self.next_char() {
                            token.push(c);
                        }
                    }
                    Some(c) => token.push(c),
                }
            }
        } else {
            while let Some(&c) = self.chars.peek() {
                if c.is_whitespace() {
                    break;
                }
                self.next_char();
                if c == '\\' {
                    if let Some(escaped) = self.next_char() {
                        token.push(escaped);
                    }
                } else {
                    token.push(c);
                }
            }
        }
        Ok(Some((token, line)))
    }

    /// The value after `keyword` (found on `line`).
    fn value(&mut self, line: usize, keyword: &str) -> Result<(String, usize), NetrcSyntax> {
        self.token()?.ok_or(NetrcSyntax {
            line,
            message: format!("`{keyword}` without a value"),
        })
    }

    /// Skips a macro body: the rest of the `macdef` line, then lines up to an empty one.
    fn skip_macro_body(&mut self) {
        let mut previous_newline = false;
        while let Some(c) = self.next_char() {
            if c == '\n' {
                if previous_newline {
                    return;
                }
                previous_newline = true;
            } else if c != '\r' {
                previous_newline = false;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn login(text: &str, machine: &str) -> Option<(String, String)> {
        lookup(text, machine).unwrap().map(|e| {
            (
                e.login.unwrap_or_default(),
                e.password
                    .map(|p| p.expose().to_owned())
                    .unwrap_or_default(),
            )
        })
    }

    #[test]
    fn finds_the_machine_or_the_default() {
        let text = "# Earthdata\nmachine urs.earthdata.nasa.gov login alice password \"p w#\\\"1\"\n\
                    macdef init\ncd /tmp\nput x\n\nmachine other.org\n  user bob\n  password pb account acct\n\
                    default login anon password guest\n";
        assert_eq!(
            login(text, "urs.earthdata.nasa.gov"),
            Some(("alice".into(), "p w#\"1".into()))
        );
        assert_eq!(login(text, "other.org"), Some(("bob".into(), "pb".into())));
        assert_eq!(
            login(text, "elsewhere"),
            Some(("anon".into(), "guest".into()))
        );
        assert_eq!(login("machine a login b password c", "x"), None);
        assert_eq!(login("", "x"), None);
    }

    #[test]
    fn the_first_entry_for_a_machine_wins() {
        let text = "machine m login first password one\nmachine m login second password two";
        assert_eq!(login(text, "m"), Some(("first".into(), "one".into())));
    }

    #[test]
    fn errors_name_the_line_and_never_the_value() {
        let err = lookup("machine m login a password my secret\n", "m").unwrap_err();
        assert_eq!(err.line, 1);
        assert!(!err.message.contains("secret"), "{}", err.message);
        let err = lookup("machine m\nlogin", "m").unwrap_err();
        assert_eq!(
            err,
            NetrcSyntax {
                line: 2,
                message: "`login` without a value".into()
            }
        );
        let err = lookup("\n\nmachine m password \"open", "m").unwrap_err();
        assert_eq!(err.line, 3);
        assert_eq!(err.message, "a quoted value is not closed");
        let err = lookup("login a", "m").unwrap_err();
        assert_eq!(err.message, "expected `machine`, `default` or `macdef`");
    }
}
