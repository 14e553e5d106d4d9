//! Ordinary mixed Chinese/English chat, deterministic from a seed: the text generator the
//! ingest and search benches share. Included with `#[path]`.
#![allow(dead_code)]

use super::rng::Rng;

pub const HAN: &str = "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处理府研质";
pub const WORDS: [&str; 32] = [
    "the", "meeting", "tomorrow", "please", "check", "file", "thanks", "lunch", "group", "today", "photo", "send",
    "price", "order", "ok", "sure", "later", "home", "work", "game", "team", "great", "news", "update", "help",
    "question", "answer", "time", "coffee", "weekend", "travel", "ticket",
];
pub const EMOJI: [&str; 7] = ["😀", "👍", "🎉", "😂", "🙏", "🔥", "❤️"];
/// Ordinary chat.
pub fn chat(rng: &mut Rng, han: &[char], out: &mut String) {
    let parts = 2 + rng.below(8);
    for _ in 0..parts {
        match rng.below(20) {
            0..=8 => {
                for _ in 0..1 + rng.below(5) {
                    out.push(rng.pick(han));
                }
            }
            9..=14 => {
                out.push_str(rng.pick(&WORDS));
                out.push(' ');
            }
            15 => out.push_str(rng.pick(&["，", "。", "！", "？", ", ", ". ", "~"])),
            16 => out.push_str(rng.pick(&EMOJI)),
            17 => {
                for _ in 0..1 + rng.below(3) {
                    out.push((b'0' + rng.below(10) as u8) as char);
                }
                out.push(' ');
            }
            _ => out.push(' '),
        }
    }
}
