//! Strict `${NAME}` substitution. A placeholder must be a whole YAML value
//! (`key: ${NAME}` or `- ${NAME}`), its name must be known, and each value is
//! written as a YAML scalar produced by serde_yaml_ng (maps as JSON flow
//! mappings, which YAML reads as-is). The template is parsed first to learn
//! where every placeholder sits; the output is parsed back and each of those
//! places must hold exactly the intended value, so no escaping slip (a
//! password full of `: #'"`) can change what Temporal reads.

use std::collections::BTreeMap;

use serde_yaml_ng::Value;

use crate::values::Values;

/// A step from the document root to a value.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    Key(Value),
    Index(usize),
}

/// Where a placeholder sits in the parsed template.
#[derive(Debug, Clone)]
pub struct Slot {
    pub path: Vec<Step>,
    pub name: String,
}

struct Occurrence {
    start: usize,
    end: usize,
    name: String,
}

fn is_name(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_uppercase())
        && chars.all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
}

/// Every `${...}` in the text, checked for syntax and position.
fn scan(text: &str) -> Result<Vec<Occurrence>, String> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(rel) = text[from..].find("${") {
        let start = from + rel;
        let line_no = text[..start].matches('\n').count() + 1;
        let close = text[start..].find('}').map(|i| start + i);
        let line_end = text[start..].find('\n').map_or(text.len(), |i| start + i);
        let end = match close {
            Some(c) if c < line_end => c + 1,
            _ => return Err(format!("line {line_no}: unclosed placeholder '${{'")),
        };
        let name = &text[start + 2..end - 1];
        if !is_name(name) {
            return Err(format!("line {line_no}: '${{{name}}}' is not a placeholder name (use A-Z, 0-9 and _)"));
        }
        let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
        let before = &text[line_start..start];
        let after = &text[end..line_end];
        let value_position = before.ends_with(": ") || before.trim_start() == "- ";
        let rest_ok = after.trim().is_empty() || (after.starts_with(' ') && after.trim_start().starts_with('#'));
        if before.trim_start().starts_with('#') {
            return Err(format!("line {line_no}: placeholder ${{{name}}} inside a comment"));
        }
        if !value_position || !rest_ok {
            return Err(format!(
                "line {line_no}: placeholder ${{{name}}} must be a whole value (`key: ${{{name}}}` or `- ${{{name}}}`), not part of one"
            ));
        }
        out.push(Occurrence { start, end, name: name.to_string() });
        from = end;
    }
    Ok(out)
}

/// Finds every placeholder in the parsed template.
fn slots(doc: &Value) -> Result<Vec<Slot>, String> {
    fn walk(v: &Value, path: &mut Vec<Step>, out: &mut Vec<Slot>) -> Result<(), String> {
        match v {
            Value::String(s) if s.contains("${") => {
                let name = s.strip_prefix("${").and_then(|r| r.strip_suffix('}')).filter(|n| is_name(n));
                match name {
                    Some(n) => out.push(Slot { path: path.clone(), name: n.to_string() }),
                    None => return Err(format!("value '{s}' mixes a placeholder with other text")),
                }
            }
            Value::Mapping(m) => {
                for (k, child) in m {
                    if k.as_str().is_some_and(|k| k.contains("${")) {
                        return Err(format!("placeholder in a key ({k:?}); only values can be placeholders"));
                    }
                    path.push(Step::Key(k.clone()));
                    walk(child, path, out)?;
                    path.pop();
                }
            }
            Value::Sequence(items) => {
                for (i, child) in items.iter().enumerate() {
                    path.push(Step::Index(i));
                    walk(child, path, out)?;
                    path.pop();
                }
            }
            _ => {}
        }
        Ok(())
    }
    let mut out = Vec::new();
    walk(doc, &mut Vec::new(), &mut out)?;
    Ok(out)
}

/// The text a value is written as.
fn value_text(name: &str, v: &Value) -> Result<String, String> {
    let text = match v {
        // JSON is YAML: a flow mapping on one line that keeps the slot's indentation irrelevant.
        Value::Mapping(_) | Value::Sequence(_) => serde_json::to_string(v).map_err(|e| format!("${{{name}}}: {e}"))?,
        _ => serde_yaml_ng::to_string(v).map_err(|e| format!("${{{name}}}: {e}"))?.trim_end_matches('\n').to_string(),
    };
    if text.contains('\n') {
        return Err(format!("${{{name}}}: value spans several lines; only single-line values are allowed"));
    }
    Ok(text)
}

/// Substitutes every placeholder; returns the text and the slots to verify.
pub fn substitute(template: &str, values: &Values) -> Result<(String, Vec<Slot>), String> {
    let occurrences = scan(template)?;
    let doc: Value = serde_yaml_ng::from_str(template).map_err(|e| format!("is not valid YAML: {e}"))?;
    let slots = slots(&doc)?;

    let mut unknown: Vec<&str> =
        occurrences.iter().map(|o| o.name.as_str()).filter(|n| values.get(n).is_none()).collect();
    unknown.dedup();
    if !unknown.is_empty() {
        let known: Vec<_> = values.names().collect();
        return Err(format!(
            "unknown placeholder{} {}; known: {}",
            if unknown.len() == 1 { "" } else { "s" },
            unknown.iter().map(|n| format!("${{{n}}}")).collect::<Vec<_>>().join(", "),
            known.join(", ")
        ));
    }
    // Text and parse must agree: a placeholder the parser did not see as a
    // value (e.g. inside quotes) would otherwise be replaced blindly.
    let count = |names: &mut dyn Iterator<Item = &str>| {
        let mut m: BTreeMap<String, usize> = BTreeMap::new();
        for n in names {
            *m.entry(n.to_string()).or_default() += 1;
        }
        m
    };
    if count(&mut occurrences.iter().map(|o| o.name.as_str())) != count(&mut slots.iter().map(|s| s.name.as_str())) {
        return Err(
            "a placeholder is quoted or otherwise not a plain YAML value; write `key: ${NAME}` without quotes".into()
        );
    }

    let mut out = String::with_capacity(template.len() + 256);
    let mut at = 0;
    for o in &occurrences {
        out.push_str(&template[at..o.start]);
        // Known names were checked above; an absent value cannot happen here.
        let value = values.get(&o.name).ok_or_else(|| format!("unknown placeholder ${{{}}}", o.name))?;
        out.push_str(&value_text(&o.name, value)?);
        at = o.end;
    }
    out.push_str(&template[at..]);
    Ok((out, slots))
}

fn at<'a>(doc: &'a Value, path: &[Step]) -> Option<&'a Value> {
    path.iter().try_fold(doc, |v, step| match step {
        Step::Key(k) => v.as_mapping()?.get(k),
        Step::Index(i) => v.as_sequence()?.get(*i),
    })
}

/// Parses the output back and checks each slot holds its intended value.
pub fn verify(output: &str, slots: &[Slot], values: &Values) -> Result<Value, String> {
    let doc: Value = serde_yaml_ng::from_str(output).map_err(|e| format!("does not parse as YAML: {e}"))?;
    for slot in slots {
        let want = values.get(&slot.name);
        let got = at(&doc, &slot.path);
        if got != want {
            return Err(format!("${{{}}} did not survive as its own value (YAML escaping problem)", slot.name));
        }
    }
    Ok(doc)
}
