//! Property tests for the validators and policy documents: no input makes them panic, whatever
//! they accept obeys the documented rules, and valid-by-construction input is always accepted.

use proptest::prelude::*;
use s3aas_core::PolicyDocument;
use s3aas_core::validate::{bucket_name, instance_name, policy_name, user_name};

fn valid_bucket() -> impl Strategy<Value = String> {
    // Labels of lower-case letters and digits joined by single '-' or '.'; 3..=63 long; not an
    // IP address; not using a reserved prefix or suffix.
    proptest::string::string_regex("[a-z0-9]{1,8}([-.][a-z0-9]{1,8}){0,6}")
        .unwrap()
        .prop_filter("3..=63 characters", |s| (3..=63).contains(&s.len()))
        .prop_filter("not an IP address", |s| {
            s.parse::<std::net::Ipv4Addr>().is_err()
        })
        .prop_filter("no reserved prefix/suffix", |s| {
            !["xn--", "sthree-", "amzn-s3-demo-"]
                .iter()
                .any(|p| s.starts_with(p))
                && ![".mrap", "-s3alias", "--ol-s3", "--x-s3", "--table-s3"]
                    .iter()
                    .any(|x| s.ends_with(x))
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn bucket_names_accepted_only_when_the_rules_hold(s in "\\PC{0,70}") {
        if bucket_name("b", &s).is_ok() {
            prop_assert!((3..=63).contains(&s.len()));
            prop_assert!(s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '-'));
            prop_assert!(s.as_bytes()[0].is_ascii_alphanumeric() && s.as_bytes()[s.len() - 1].is_ascii_alphanumeric());
            prop_assert!(!s.contains("..") && !s.contains(".-") && !s.contains("-."));
            prop_assert!(s.parse::<std::net::Ipv4Addr>().is_err());
        }
    }

    #[test]
    fn valid_bucket_names_are_accepted(s in valid_bucket()) {
        prop_assert!(bucket_name("b", &s).is_ok(), "{s} rejected: {:?}", bucket_name("b", &s));
    }

    #[test]
    fn upper_case_anywhere_is_rejected(s in valid_bucket(), i in 0usize..63) {
        let i = i % s.len();
        let mut bad: Vec<char> = s.chars().collect();
        if bad[i].is_ascii_lowercase() {
            bad[i] = bad[i].to_ascii_uppercase();
            let bad: String = bad.into_iter().collect();
            let e = bucket_name("bucket.name", &bad).unwrap_err();
            prop_assert_eq!(e.field(), Some("bucket.name"));
        }
    }

    #[test]
    fn other_names_never_panic_and_respect_bounds(s in "\\PC{0,140}") {
        if user_name("u", &s).is_ok() {
            prop_assert!((2..=64).contains(&s.chars().count()));
            prop_assert!(!s.contains(',') && !s.contains('=') && !s.contains(char::is_whitespace));
        }
        if policy_name("p", &s).is_ok() {
            prop_assert!((1..=128).contains(&s.chars().count()) && !s.contains(','));
        }
        if instance_name("i", &s).is_ok() {
            prop_assert!((3..=32).contains(&s.len()) && !s.contains("--") && !s.ends_with('-'));
            // Instance names always make valid bucket-name prefixes.
            let derived = format!("{}-data", s);
            prop_assert!(bucket_name("b", &derived).is_ok());
        }
    }

    #[test]
    fn policy_parsing_never_panics(s in "\\PC{0,200}") {
        let _ = PolicyDocument::parse(&s);
    }

    #[test]
    fn accepted_policies_round_trip_and_equal_themselves(
        effect in prop_oneof!["Allow", "Deny"],
        actions in proptest::collection::vec("s3:[A-Za-z*]{1,12}", 1..4),
        resources in proptest::collection::vec("arn:aws:s3:::[a-z0-9*/-]{1,20}", 1..4),
        single in any::<bool>(),
    ) {
        let statement = serde_json::json!({"Effect": effect, "Action": actions, "Resource": resources});
        let doc = if single {
            serde_json::json!({"Version": "2012-10-17", "Statement": statement})
        } else {
            serde_json::json!({"Version": "2012-10-17", "Statement": [statement]})
        };
        let p = PolicyDocument::from_value(doc).unwrap();
        let again = PolicyDocument::parse(&p.to_json()).unwrap();
        prop_assert!(p.semantically_eq(&again));
        prop_assert_eq!(serde_json::from_str::<PolicyDocument>(&serde_json::to_string(&p).unwrap()).unwrap(), p);
    }
}
