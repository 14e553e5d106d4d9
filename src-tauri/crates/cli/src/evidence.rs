//! `qg evidence export (CASE | --group GROUP --month YYYY-MM) --out DIR [--zip] [--lang zh|en]`
//! and `qg evidence verify PATH`.

use qunguan_core::Result;
use qunguan_engine::Engine;
use qunguan_engine::evidence::{ExportRequest, ExportScope};

use crate::args::{Evidence, LangArg};
use crate::commands::print_json;
use crate::i18n::{self, Lang};
use crate::records::EXIT_BROKEN_CHAIN;

pub async fn run(engine: &Engine, command: Evidence, json: bool, lang: Lang) -> Result<u8> {
    match command {
        Evidence::Export { case, group, month, out, zip, lang: report_lang } => {
            let scope = match (case, group, month) {
                (Some(case), _, _) => ExportScope::Case(case),
                (None, Some(group), Some(month)) => ExportScope::Month { group, month },
                _ => unreachable!("clap asks for CASE or --group with --month"),
            };
            let report_lang = match report_lang {
                Some(LangArg::Zh) => Lang::Zh,
                Some(LangArg::En) => Lang::En,
                None => lang,
            };
            let summary = engine.evidence_export(ExportRequest { scope, out, zip, lang: report_lang }).await?;
            if json {
                print_json(&summary)?;
            } else {
                crate::term::out(&i18n::evidence_exported(&summary, lang));
            }
            Ok(0)
        }
        Evidence::Verify { path } => {
            let report = engine.evidence_verify(&path)?;
            if json {
                print_json(&report)?;
            } else {
                crate::term::out(&i18n::evidence_verified(&report, lang));
            }
            Ok(if report.ok { 0 } else { EXIT_BROKEN_CHAIN })
        }
    }
}
