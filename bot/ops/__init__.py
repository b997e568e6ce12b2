"""Operations: metrics, privacy (export, erasure, retention), backups and hostile-input fuzzing."""
