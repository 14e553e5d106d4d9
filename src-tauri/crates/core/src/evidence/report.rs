//! `report.html`: the package for a reader, in the UI language. Every text from the records
//! and the evidence is HTML-escaped (never raw markup) and has its personal data masked; the
//! page has no script and loads nothing.

use std::fmt::Write as _;

use crate::Lang;
use crate::action::{Evidence, MessageSnapshot};
use crate::case::{CaseRecord, RecordKind};
use crate::evidence::manifest::{Head, Manifest, PackageKind};
use crate::evidence::package::{ChainSpan, Export, SUMS_FILE, VERIFY_FILE};
use crate::evidence::report_text::{Words, action, status, words};
use crate::time::rfc3339_from_millis;

/// `text` safe inside HTML text and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // Controls would only garble the page (and bidi overrides could disguise it).
            c if c.is_control() && c != '\n' && c != '\t' => out.push('\u{fffd}'),
            '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = "body{font-family:system-ui,'Noto Sans CJK SC','PingFang SC',sans-serif;margin:2rem;color:#111}\
table{border-collapse:collapse;margin:.5rem 0 1.5rem}th,td{border:1px solid #bbb;padding:.25rem .5rem;\
vertical-align:top;text-align:left}th{background:#f2f2f2}code,.hash{font-family:ui-monospace,monospace;\
font-size:.8rem;word-break:break-all}.untrusted{color:#a00;font-weight:bold}.acted{background:#fff4d6}\
.note{color:#555}pre{white-space:pre-wrap;margin:0}";

struct Page<'a> {
    out: String,
    w: &'static Words,
    lang: Lang,
    mask: &'a dyn Fn(&str) -> String,
}

impl Page<'_> {
    fn push(&mut self, html: &str) {
        self.out.push_str(html);
    }

    /// Escaped text, personal data masked.
    fn shown(&self, text: &str) -> String {
        escape(&(self.mask)(text))
    }

    fn row(&mut self, cells: &[String], class: Option<&str>) {
        let class = class.map(|c| format!(" class=\"{c}\"")).unwrap_or_default();
        let _ = write!(self.out, "<tr{class}>");
        for c in cells {
            let _ = write!(self.out, "<td>{c}</td>");
        }
        self.push("</tr>\n");
    }

    fn header(&mut self, cells: &[&str]) {
        self.push("<tr>");
        for c in cells {
            let _ = write!(self.out, "<th>{}</th>", escape(c));
        }
        self.push("</tr>\n");
    }

    fn facts(&mut self, m: &Manifest) {
        let w = self.w;
        let scope = match m.about.kind {
            PackageKind::Case => {
                format!("{}{}<code>{}</code>", w.case_scope, w.colon, escape(m.about.case_id.as_deref().unwrap_or("")))
            }
            PackageKind::Month => {
                format!("{}{}{}", w.month_scope, w.colon, escape(m.about.month.as_deref().unwrap_or("")))
            }
        };
        let group = match &m.about.group_name {
            Some(name) => format!("{} (<code>{}</code>)", escape(name), escape(&m.about.group)),
            None => format!("<code>{}</code>", escape(&m.about.group)),
        };
        let _ = write!(self.out, "<p>{scope}</p>\n<table>\n");
        self.row(&[escape(w.group), group], None);
        self.row(&[escape(w.exported_by), escape(&m.about.exported_by)], None);
        self.row(&[escape(w.exported_at), escape(&m.about.exported_at)], None);
        self.push("</table>\n");
    }

    fn summary(&mut self, m: &Manifest) {
        let w = self.w;
        let (cases, records, withheld, evidence) = crate::evidence::package::counts(m);
        let _ = write!(self.out, "<h2>{}</h2>\n<table>\n", escape(w.summary));
        for (label, n) in [(w.cases, cases), (w.records, records), (w.withheld, withheld), (w.evidence_files, evidence)]
        {
            self.row(&[escape(label), n.to_string()], None);
        }
        self.push("</table>\n");
        let _ = writeln!(self.out, "<p class=\"note\">{}</p>", escape(w.masked_note));
    }

    fn outcome_of(&self, chain: &ChainSpan, case_id: &str) -> String {
        let last = chain.records.iter().rev().find(|r| {
            r.included && r.chained.record.kind == RecordKind::Outcome && r.chained.record.case_id == case_id
        });
        let Some(o) = last else { return escape(self.w.no_outcome) };
        let d = &o.chained.record.detail;
        let word = d.get("status").map_or(self.w.unknown, |s| status(s, self.lang));
        match d.get("detail") {
            Some(detail) => format!("{} — {}", escape(word), self.shown(detail)),
            None => escape(word),
        }
    }

    fn chain(&mut self, chain: &ChainSpan, n: usize, export: &Export) {
        let w = self.w;
        let whose = if chain.mine { w.mine } else { w.imported };
        let _ = writeln!(
            self.out,
            "<h2>{} {}{}<code>{}</code> ({})</h2>",
            n + 1,
            escape(w.chain_of),
            w.colon,
            escape(&chain.actor),
            escape(whose)
        );
        self.push("<table>\n");
        self.header(&[w.seq, w.time, w.actor, w.action, w.target, w.reason, w.rule, w.outcome]);
        for (i, r) in chain.records.iter().enumerate() {
            let rec = &r.chained.record;
            if !r.included || rec.kind != RecordKind::Decision {
                continue;
            }
            let mut who = escape(&rec.actor);
            if !r.trusted {
                let _ = write!(
                    who,
                    " <span class=\"untrusted\" title=\"{}\">[{}]</span>",
                    escape(w.untrusted_note),
                    escape(w.untrusted)
                );
            }
            let cells = [
                (chain.first + i as u64).to_string(),
                escape(&rec.created_at),
                who,
                escape(action(&rec.action.to_string(), self.lang)),
                escape(rec.target.as_deref().unwrap_or("")),
                self.shown(&rec.reason),
                escape(rec.rule.as_deref().unwrap_or("")),
                self.outcome_of(chain, &rec.case_id),
            ];
            self.row(&cells, None);
        }
        self.push("</table>\n");
        self.positions(chain);
        for r in chain.records.iter().filter(|r| r.included && r.chained.record.kind == RecordKind::Decision) {
            self.evidence(&r.chained.record, export);
        }
    }

    fn positions(&mut self, chain: &ChainSpan) {
        let w = self.w;
        let _ =
            writeln!(self.out, "<h3>{}</h3>\n<p class=\"note\">{}</p>\n<table>", escape(w.positions), escape(w.prefix));
        self.header(&[w.seq, w.kind, w.case, w.prev_hash, w.hash]);
        for (i, r) in chain.records.iter().enumerate() {
            let c = &r.chained;
            let (kind, case) = if r.included {
                (escape(c.record.kind.as_str()), format!("<code>{}</code>", escape(&c.record.case_id)))
            } else {
                (String::new(), escape(w.withheld_row))
            };
            let hash = |h: &str| format!("<span class=\"hash\">{}</span>", escape(h));
            let cells = [(chain.first + i as u64).to_string(), kind, case, hash(&c.prev_hash), hash(&c.hash)];
            self.row(&cells, None);
        }
        self.push("</table>\n<table>\n");
        let head = |h: &Option<Head>| match h {
            Some(h) => format!("{} #{} <span class=\"hash\">{}</span>", escape(w.seq), h.count, escape(&h.hash)),
            None => escape(w.unknown),
        };
        if chain.mine {
            self.row(&[escape(w.head_recorded), head(&chain.head)], None);
        }
        self.row(&[escape(w.head_announced), head(&chain.announced)], None);
        self.push("</table>\n");
    }

    fn message_row(&mut self, m: &MessageSnapshot, acted: bool) {
        let body = match (&m.body, m.redacted) {
            (_, true) => escape(self.w.redacted),
            (Some(b), false) => format!("<pre>{}</pre>", self.shown(b)),
            (None, false) => format!("<code>{}</code>", escape(&m.kind)),
        };
        let cells = [escape(&rfc3339_from_millis(m.ts)), escape(&m.sender), body];
        self.row(&cells, acted.then_some("acted"));
    }

    fn evidence(&mut self, record: &CaseRecord, export: &Export) {
        let Some(hash) = &record.evidence_hash else { return };
        let w = self.w;
        let _ = writeln!(self.out, "<h3>{} — <code>{}</code></h3>", escape(w.evidence), escape(&record.case_id));
        let sealed = export.evidence.get(&record.case_id).and_then(|j| serde_json::from_str::<Evidence>(j).ok());
        let Some(ev) = sealed else {
            let _ = writeln!(
                self.out,
                "<p class=\"note\">{} <span class=\"hash\">{}</span></p>",
                escape(w.not_held),
                escape(hash)
            );
            return;
        };
        let _ = writeln!(
            self.out,
            "<p>{}{}{} · <span class=\"hash\">{}</span></p>\n<table>",
            escape(w.captured_at),
            w.colon,
            escape(&ev.captured_at),
            escape(hash)
        );
        self.header(&[w.time, w.sender, w.message]);
        let mut shown = ev.context.clone();
        if !shown.iter().any(|m| m.event_id == ev.message.event_id) {
            shown.push(ev.message.clone());
            shown.sort_by_key(|m| m.ts);
        }
        for m in &shown {
            self.message_row(m, m.event_id == ev.message.event_id);
        }
        let _ = writeln!(
            self.out,
            "</table>\n<p class=\"note\">{}{colon}<code>{}</code> · {}{colon}{}</p>",
            escape(w.acted_on),
            escape(&ev.message.event_id),
            escape(w.context),
            shown.len() - 1,
            colon = w.colon
        );
    }

    fn how(&mut self) {
        let w = self.w;
        let _ = writeln!(self.out, "<h2>{}</h2>", escape(w.how_title));
        for p in w.how {
            let text = escape(p)
                .replace("{verify}", &format!("<code>python3 {VERIFY_FILE}</code>"))
                .replace("{sums}", &format!("<code>sha256sum -c {SUMS_FILE}</code>"));
            let _ = writeln!(self.out, "<p>{text}</p>");
        }
    }
}

/// The report for `export`, whose manifest is `manifest`.
pub fn render(export: &Export, manifest: &Manifest, mask: &dyn Fn(&str) -> String) -> String {
    let w = words(export.about.lang);
    let mut page = Page { out: String::new(), w, lang: export.about.lang, mask };
    let _ = write!(
        page.out,
        "<!DOCTYPE html>\n<html lang=\"{}\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n\
         <title>{} — {}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<h1>{}</h1>\n",
        w.html_lang,
        escape(w.title),
        escape(&manifest.about.group),
        escape(w.title)
    );
    page.facts(manifest);
    page.summary(manifest);
    for (n, chain) in export.chains.iter().enumerate() {
        page.chain(chain, n, export);
    }
    page.how();
    page.push("</body>\n</html>\n");
    page.out
}
