// Hand-written typings for Cairn's N-API module (the same shape on Node and HarmonyOS).
// Every async method resolves with the value shown or rejects with a `CairnError`.

/** How every failure is thrown: `kind` (= `code`) is the stable snake_case kind. */
export interface CairnError extends Error {
  name: 'CairnError';
  kind: ErrorKind;
  code: ErrorKind;
  /** What the user can do about it. */
  hint: string;
}

export type ErrorKind =
  | 'wrong_password' | 'no_backups_found' | 'backup_exists' | 'not_found' | 'quota_exceeded'
  | 'not_signed_in' | 'reauth_required' | 'rate_limited' | 'network' | 'corrupted'
  | 'unsupported_version' | 'kdf_params_out_of_bounds' | 'password_policy' | 'invalid_mnemonic'
  | 'invalid_private_key' | 'passphrase_mismatch' | 'provider_unavailable' | 'verification_failed'
  | 'conflict' | 'invalid_input' | 'cloud_error' | 'internal';

/** Called when the provider rejects the token; resolve to a new one (reject = sign in again). */
export type RefreshToken = () => Promise<string>;

/** One signed-in account's backups. Times are Unix seconds. */
export declare class BackupService {
  private constructor();
  /** Google Drive (appDataFolder); `baseUrl` null = production, else e.g. an emulator. */
  static googleDrive(baseUrl: string | null, accessToken: string, refreshToken?: RefreshToken): BackupService;
  /** Huawei Drive Kit (applicationData); on HarmonyOS the token comes from Account Kit. */
  static huaweiDrive(baseUrl: string | null, accessToken: string, refreshToken?: RefreshToken): BackupService;
  /** A local folder (development). */
  static localFolder(path: string): BackupService;
  inventory(): Promise<Inventory>;
  createFirstPassword(password: string): Promise<UnlockedBackup>;
  startNewEpoch(password: string): Promise<UnlockedBackup>;
  unlock(password: string, epochId?: string | null): Promise<UnlockedBackup>;
  checkPassword(password: string, epochId?: string | null): Promise<PasswordCheck>;
}

/** An unlocked epoch; `close()` forgets its key. */
export declare class UnlockedBackup {
  private constructor();
  readonly epochId: string;
  backupMnemonic(phrase: string, label: string, passphrase?: string | null, includePassphrase?: boolean | null): Promise<BackupReceipt>;
  restoreAll(): Promise<RestoreReport>;
  changePassword(newPassword: string): Promise<PasswordChange>;
  close(): void;
}

/** One restored wallet; its secret is read on demand and wiped by `wipe()`. */
export declare class RestoredWallet {
  private constructor();
  readonly label: string;
  readonly recordId: string;
  readonly backedUpAt: number;
  readonly kind: 'mnemonic' | 'private_key';
  readonly isWiped: boolean;
  /** The phrase; null for a private-key wallet or after `wipe()`. */
  revealPhrase(): string | null;
  /** The private key; null for a mnemonic wallet or after `wipe()`. */
  revealPrivateKey(): string | null;
  wipe(): void;
}

export interface Inventory {
  epochs: EpochSummary[];
  activeEpoch?: string;
  problems: ObjectProblem[];
  foreignObjects: number;
}

export interface EpochSummary {
  epochId: string;
  isActive: boolean;
  bornAt: number;
  passwordSetAt?: number;
  passwordWraps: number;
  walletCount: number;
  lastBackupAt?: number;
  records: RecordSummary[];
}

export interface RecordSummary {
  recordId: string;
  firstBackedUpAt: number;
  backedUpAt: number;
  storedAt: number;
  copies: number;
}

export interface ObjectProblem {
  name: string;
  kind: ErrorKind;
  message: string;
  hint: string;
}

export interface BackupReceipt {
  epochId: string;
  recordId: string;
  backedUpAt: number;
  verifiedAt: number;
  objectName: string;
  retiredCopies: number;
}

export interface PasswordCheck {
  epochId: string;
  isActive: boolean;
}

export interface PasswordChange {
  epochId: string;
  changedAt: number;
  retiredWraps: number;
}

export interface RestoreFailure {
  recordId: string;
  kind: ErrorKind;
  message: string;
  hint: string;
  copiesTried: number;
}

export interface RestoreReport {
  epochId: string;
  wallets: RestoredWallet[];
  failures: RestoreFailure[];
}
