//! argon2id over working memory the caller lends, so the 19 MiB a hash needs
//! is allocated once per hashing slot and reused. Left to allocate per call,
//! argon2's blocks stayed in glibc's per-thread arenas on the blocking pool:
//! the process grew past 1.3 GB under sign-in load (BENCHMARKS.md).
//! Hashes are ordinary PHC strings (`$argon2id$v=19$m=19456,t=2,p=1$…`),
//! the same as `argon2`'s own `hash_password` writes.

use std::sync::Mutex;

use argon2::password_hash::{Output, ParamsString, PasswordHash, SaltString, rand_core::OsRng};
use argon2::{Algorithm, Argon2, Block, Params, Version};

/// Working memory for hashes at the default cost, kept between calls.
#[derive(Default)]
pub struct MemoryPool(Mutex<Vec<Vec<Block>>>);

impl MemoryPool {
    /// Runs `work` with a buffer from the pool (a new one if all are lent out).
    pub fn with<T>(&self, work: impl FnOnce(&mut Vec<Block>) -> T) -> T {
        let lent = self.0.lock().unwrap_or_else(|e| e.into_inner()).pop();
        let mut blocks =
            lent.unwrap_or_else(|| vec![Block::default(); Params::DEFAULT.block_count()]);
        let result = work(&mut blocks);
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(blocks);
        result
    }
}

/// A PHC string for `password` with a fresh salt, at the default cost.
pub fn hash(password: &str, memory: &mut Vec<Block>) -> anyhow::Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    let mut salt_bytes = [0u8; 64];
    let salt_bytes = salt
        .as_salt()
        .decode_b64(&mut salt_bytes)
        .map_err(|e| anyhow::anyhow!("argon2 salt: {e}"))?;
    let params = Params::DEFAULT;
    let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
    let mut out = [0u8; Params::DEFAULT_OUTPUT_LEN];
    argon
        .hash_password_into_with_memory(
            password.as_bytes(),
            salt_bytes,
            &mut out,
            &mut fit(memory, &params)[..],
        )
        .map_err(|e| anyhow::anyhow!("argon2: {e}"))?;
    let phc = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(&params).map_err(|e| anyhow::anyhow!("argon2: {e}"))?,
        salt: Some(salt.as_salt()),
        hash: Some(Output::new(&out).map_err(|e| anyhow::anyhow!("argon2: {e}"))?),
    };
    Ok(phc.to_string())
}

/// Whether `password` matches the PHC string `stored` (any argon2 variant and
/// cost it names); a string that does not parse matches nothing.
pub fn verify(password: &str, stored: &str, memory: &mut Vec<Block>) -> bool {
    let Ok(parsed) = PasswordHash::new(stored) else {
        return false;
    };
    let (Ok(algorithm), Ok(params), Some(salt), Some(expected)) = (
        Algorithm::try_from(parsed.algorithm),
        Params::try_from(&parsed),
        parsed.salt,
        parsed.hash,
    ) else {
        return false;
    };
    let version = match parsed.version.map(Version::try_from).transpose() {
        Ok(v) => v.unwrap_or_default(),
        Err(_) => return false,
    };
    let mut salt_bytes = [0u8; 64];
    let Ok(salt_bytes) = salt.decode_b64(&mut salt_bytes) else {
        return false;
    };
    let mut out = vec![0u8; expected.len()];
    let argon = Argon2::new(algorithm, version, params.clone());
    if argon
        .hash_password_into_with_memory(
            password.as_bytes(),
            salt_bytes,
            &mut out,
            &mut fit(memory, &params)[..],
        )
        .is_err()
    {
        return false;
    }
    // Output's equality is constant-time.
    Output::new(&out).is_ok_and(|computed| computed == expected)
}

/// The part of `memory` a hash at `params` works in (grown if a stored hash
/// names a higher memory cost than the default).
fn fit<'a>(memory: &'a mut Vec<Block>, params: &Params) -> &'a mut [Block] {
    let needed = params.block_count();
    if memory.len() < needed {
        memory.resize(needed, Block::default());
    }
    &mut memory[..needed]
}

#[cfg(test)]
mod tests {
    use super::*;
    use argon2::password_hash::PasswordHasher as _;

    #[test]
    fn our_hashes_and_the_crates_own_agree() {
        let mut memory = Vec::new();
        let ours = hash("correct horse", &mut memory).expect("hash");
        assert!(
            ours.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{ours}"
        );
        assert!(verify("correct horse", &ours, &mut memory));
        assert!(!verify("wrong horse", &ours, &mut memory));
        // Hashes stored before this module (written by argon2's hash_password) still verify.
        let salt = SaltString::generate(&mut OsRng);
        let theirs = Argon2::default()
            .hash_password(b"correct horse", &salt)
            .expect("argon2")
            .to_string();
        assert!(verify("correct horse", &theirs, &mut memory));
        assert!(!verify("correct horsE", &theirs, &mut memory));
        // And the crate's verifier accepts ours.
        use argon2::password_hash::PasswordVerifier as _;
        let parsed = PasswordHash::new(&ours).expect("phc");
        assert!(
            Argon2::default()
                .verify_password(b"correct horse", &parsed)
                .is_ok()
        );
        assert!(!verify("x", "not a phc string", &mut memory));
    }
}
