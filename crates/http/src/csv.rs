//! CSV renderings (the usage report), shared by the API and the CLI.

use chatbot_domain::UsageLine;
use std::fmt::Write as _;

/// RFC 4180: a header line, CRLF line ends, fields quoted when they hold a comma, quote or line
/// break. Labels are user-chosen names: one starting with `=`, `+`, `-` or `@` gets a leading `'`
/// so that a spreadsheet does not run it as a formula.
pub fn usage(lines: &[UsageLine]) -> String {
    let mut out = String::from(
        "key,label,answers,input_tokens,output_tokens,cache_read_tokens,cache_write_tokens,cost_microdollars\r\n",
    );
    for line in lines {
        let s = &line.sums;
        let _ = write!(
            out,
            "{},{},{},{},{},{},{},{}\r\n",
            field(&line.key),
            field(&line.label),
            s.answers,
            s.input_tokens,
            s.output_tokens,
            s.cache_read_tokens,
            s.cache_creation_tokens,
            s.cost
        );
    }
    out
}

fn field(text: &str) -> String {
    let text = if text.starts_with(['=', '+', '-', '@']) { format!("'{text}") } else { text.to_owned() };
    if text.contains([',', '"', '\r', '\n']) { format!("\"{}\"", text.replace('"', "\"\"")) } else { text }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chatbot_domain::UsageSums;

    #[test]
    fn fields_are_quoted_and_formulas_defused() {
        assert_eq!(field("plain"), "plain");
        assert_eq!(field("a, b"), "\"a, b\"");
        assert_eq!(field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(field("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(field("-1"), "'-1");
    }

    #[test]
    fn one_line_per_row_after_the_header() {
        let line = UsageLine {
            key: "k".into(),
            label: "Ada <ada@example.com>".into(),
            sums: UsageSums {
                answers: 2,
                input_tokens: 10,
                output_tokens: 20,
                cache_read_tokens: 1,
                cache_creation_tokens: 3,
                cost: 42,
            },
        };
        let text = usage(&[line]);
        assert_eq!(
            text,
            "key,label,answers,input_tokens,output_tokens,cache_read_tokens,cache_write_tokens,cost_microdollars\r\n\
             k,Ada <ada@example.com>,2,10,20,1,3,42\r\n"
        );
    }
}
