//! gasledger's own peer exports read back.

use super::*;

#[test]
fn own_peer_exports_read_their_commented_directives_back() {
    let body = "\
; agreement x
;     kind       offset
;     debtor     IQ

tag agreement

; statement 2022-06-30 TM  ; source: a letter
;     TM:cash   1.00 USD
; a plain comment
";
    let exported = format!(
        "; gasledger export for hledger (gasledger export --format hledger).\n\
             ; agreement and statement directives, which hledger does not know, are comments.\n{body}"
    );
    let ds = parse(&exported);
    assert_eq!(ds.len(), 2, "{ds:?}");
    assert!(
        matches!(&ds[0], Directive::Agreement(a) if a.name == "x" && a.fields.len() == 2),
        "{ds:?}"
    );
    assert!(
        matches!(&ds[1], Directive::Statement(s) if s.claims.len() == 1 && s.party == "TM"),
        "{ds:?}"
    );
    // Anywhere else the same lines are comments (and `tag NAME` declares nothing).
    assert_eq!(parse(body), vec![]);
    assert!(error("tag\n").contains("\"tag\" directive is not supported"));
}
