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
  | 'conflict' | 'invalid_input' | 'cloud_error' | 'internal'
  /** An aborted call: the rejection is an `Error` named `AbortError` with this kind. */
  | 'cancelled';

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
  /** Calls `listener` with each progress step of this service's operations; `null` stops it. */
  setProgressListener(listener: ((event: ProgressEvent) => void) | null): void;
}

/** An unlocked epoch; `close()` forgets its key. */
export declare class UnlockedBackup {
  private constructor();
  readonly epochId: string;
  backupMnemonic(phrase: string, label: string, passphrase?: string | null, includePassphrase?: boolean | null): Promise<BackupReceipt>;
  /** Aborting `signal` (also before the call) stops the restore (rejects with an `AbortError`, kind `cancelled`). */
  restoreAll(signal?: AbortSignal): Promise<RestoreReport>;
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

/** The operation a progress event belongs to. */
export type Operation =
  | 'first_password' | 'new_epoch' | 'unlock' | 'check_password' | 'backup' | 'restore'
  | 'change_password' | 'cleanup' | 'inventory' | 'export' | 'import';

/** Where an operation is; `finished` is the last event of a successful operation. */
export type Stage =
  | 'deriving_key' | 'listing' | 'encrypting' | 'uploading' | 'verifying' | 'downloading'
  | 'decrypting' | 'cleaning_up' | 'finished';

/** One progress step; `completed` / `total` count downloads while `downloading`, else 0. */
export interface ProgressEvent {
  operation: Operation;
  stage: Stage;
  completed: number;
  total: number;
}

export type LogLevel = 'error' | 'warn' | 'info' | 'debug' | 'trace';

/** One log line built from typed events only: never input text, ids, names or secrets. */
export interface LogRecord {
  level: LogLevel;
  target: string;
  message: string;
}

/** Installs the process-wide log sink receiving `maxLevel` and more severe; `null` = off. */
export declare function setLogSink(sink: ((record: LogRecord) => void) | null, maxLevel: LogLevel): void;

// ---------------------------------------------------------------------------------------------
// The app's HTTP client (ADR 0007): the module ships no HTTP/TLS stack. Install one at start:
// ArkTS `CairnHttp.install()` (the HAR, over Remote Communication Kit), Node
// `installNodeHttpClient(cairn)` (js/node-http.ts, over fetch). Until then, building a Google or
// Huawei Drive service (or the emulator dev menu) throws `provider_unavailable`.

/** One header; names as sent, compare case-insensitively. */
export interface HttpHeader {
  name: string;
  value: string;
}

/** What Cairn asks the client to send. It carries the bearer token and the body: never log it. */
export interface HttpRequest {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** Absolute https URL (http only for a local emulator). */
  url: string;
  headers: HttpHeader[];
  /** Empty for none. */
  body: Uint8Array;
  /** Time allowed for the whole exchange, response body included. */
  timeoutMs: number;
  /** Stop reading and reject with kind `body_too_large` past this many body bytes. */
  maxResponseBytes: number;
}

/** The whole response, whatever its status, redirects followed. */
export interface HttpResponse {
  status: number;
  headers: HttpHeader[];
  body: Uint8Array;
}

/** Why the client produced no response; reject with an `Error` carrying one of these as `kind`
 *  (any other rejection counts as `interrupted`). */
export type HttpErrorKind = 'timeout' | 'connect' | 'offline' | 'interrupted' | 'body_too_large' | 'invalid_request';

/** Installs the process-wide HTTP client for every service built afterwards. */
export declare function setHttpClient(send: (request: HttpRequest) => Promise<HttpResponse>): void;

// ---------------------------------------------------------------------------------------------
// App logic shared by the sample shells (crates/cairn-app; bindings/harmony/src/app.rs).
// Session actions resolve with the next Screen and never reject (only a malformed argument,
// such as an unparsable epoch id or a wallet without phrase/privateKey, rejects).

export type Platform = 'android' | 'ios' | 'harmony_os' | 'desktop';
export type CloudProvider = 'google_drive' | 'huawei_drive' | 'icloud';
export type ProviderUnavailableReason =
  | 'hms_core_missing' | 'hms_core_outdated' | 'hms_core_disabled' | 'hms_core_invalid'
  | 'device_unsupported' | 'icloud_unavailable' | 'icloud_signed_out' | 'icloud_restricted'
  | 'icloud_temporarily_unavailable' | 'google_services_missing'
  | 'huawei_cloud_agreement_not_accepted' | 'region_unsupported' | 'permission_not_granted'
  | 'app_not_configured' | 'account_restricted';

/** Raw probe results; absent / null = not probed in this build. */
export interface PlatformProbes {
  /** `GoogleApiAvailability.isGooglePlayServicesAvailable` code (Android). */
  googlePlayServices?: number | null;
  /** `HuaweiApiAvailability.isHuaweiMobileServicesAvailable` code (Android). */
  hmsCore?: number | null;
  /** `CKAccountStatus` raw value (iOS). */
  icloudAccountStatus?: number | null;
}

export type RecoveryAction =
  | 'retry' | 're_enter_password' | 'forgot_password' | 'sign_in_again' | 'switch_account'
  | 'free_up_storage' | 'install_or_update_hms_core' | 'install_or_update_play_services'
  | 'open_icloud_settings' | 'choose_another_provider' | 'update_app' | 'correct_input'
  | 'start_first_backup' | 'dismiss';

/** How a screen shows one failure: title, message, hint and the buttons to offer. */
export interface ErrorPresentation {
  kind: ErrorKind;
  title: string;
  message: string;
  hint: string;
  primary: RecoveryAction;
  secondary: RecoveryAction[];
  retryable: boolean;
}

export interface ProviderOption {
  provider: CloudProvider;
  displayName: string;
  available: boolean;
  unavailableReason?: ProviderUnavailableReason;
  presentation?: ErrorPresentation;
  /** The first available option: preselect it. */
  recommended: boolean;
}

/** The providers to offer, available ones first. */
export declare function providerOptions(platform: Platform, probes: PlatformProbes): ProviderOption[];
/** A short English button label. */
export declare function recoveryActionLabel(action: RecoveryAction): string;
/** Presents an error thrown by the plain API the way the screens do. */
export declare function presentFailure(kind: ErrorKind, message: string, hint: string, provider?: CloudProvider | null): ErrorPresentation;

export type StrengthScore = 'very_weak' | 'weak' | 'fair' | 'strong' | 'very_strong';
export type StrengthWarning =
  | 'common_password' | 'contains_common_password' | 'repeated' | 'sequence'
  | 'keyboard_pattern' | 'date' | 'leading_or_trailing_space';

/** Live feedback for the new-password form (no password text inside). */
export interface PasswordFeedback {
  score: StrengthScore;
  /** 0 (very weak) … 4 (very strong). */
  scoreValue: number;
  label: string;
  /** Expected time for one rented GPU, in words ("about 3 days"). */
  crackTime: string;
  crackCostUsd: number;
  guessesBits: number;
  warnings: StrengthWarning[];
  warningTexts: string[];
  policyProblem?: string;
  confirmationEntered: boolean;
  confirmationMatches: boolean;
  canSubmit: boolean;
}

export declare function passwordFeedback(password: string, confirmation: string): PasswordFeedback;

export type DevTarget = 'android_emulator' | 'ios_simulator' | 'harmony_emulator' | 'desktop' | 'device';

export interface EmulatorEndpoints {
  baseUrl: string;
  driveApiBase: string;
  huaweiApiBase: string;
  oauthBase: string;
  controlBase: string;
}

export interface EmulatorAccount {
  id: string;
  email: string;
  displayName: string;
}

/** Android/Harmony emulator: http://10.0.2.2:<port>; iOS simulator: http://localhost:<port>; `device` needs `host`. */
export declare function emulatorEndpoints(target: DevTarget, port: number, host?: string | null): EmulatorEndpoints;
export declare function emulatorEndpointsAt(baseUrl: string): EmulatorEndpoints;
/** The emulator's accounts (`GET /__control/accounts`) for the dev menu. */
export declare function listEmulatorAccounts(endpoints: EmulatorEndpoints): Promise<EmulatorAccount[]>;

/** A wallet to back up: exactly one of `phrase` and `privateKey`. */
export interface WalletInput {
  /** The app's id; the session then tracks the wallet for the health screen. */
  appWalletId?: string | null;
  label: string;
  chainHints?: string[] | null;
  phrase?: string | null;
  passphrase?: string | null;
  includePassphrase?: boolean | null;
  privateKey?: string | null;
  /** null = secp256k1 (hex or WIF), else the app's label (`ed25519`, …). */
  keyKind?: string | null;
}

/** A restored wallet; wiped by `wipe()` or when the session leaves the results screen. */
export declare class RestoredWalletHandle {
  private constructor();
  readonly label: string;
  readonly recordId: string;
  readonly epochId: string;
  readonly backedUpAt: number;
  readonly chainHints: string[];
  readonly kind: 'mnemonic' | 'private_key';
  readonly passphraseRequired: boolean;
  readonly isWiped: boolean;
  /** null for a key wallet or once wiped. */
  revealPhrase(): string | null;
  /** null for a mnemonic wallet or once wiped. */
  revealPrivateKey(): string | null;
  revealStoredPassphrase(): string | null;
  checkPassphrase(passphrase: string): boolean;
  wipe(): void;
}

export type AppTask =
  | 'loading' | 'creating_first_password' | 'verifying_password' | 'backing_up' | 'restoring'
  | 'starting_new_password' | 'checking_health';

export interface EpochView {
  epochId: string;
  isActive: boolean;
  bornAt: number;
  passwordSetAt?: number;
  walletCount: number;
  lastBackupAt?: number;
}

export interface Overview {
  activeEpoch?: string;
  activeWallets: number;
  olderPasswordWallets: number;
  epochs: EpochView[];
  damagedObjects: number;
  lastBackupAt?: number;
}

export type Notice =
  | { name: 'first_backup_done'; receipt: BackupReceipt }
  | { name: 'wallet_backed_up'; receipt: BackupReceipt }
  | { name: 'new_password_started'; epochId: string; olderPasswordWallets: number }
  | { name: 'restore_closed'; wiped: number };

export interface PasswordPrompt {
  /** The epoch the password must open (absent = the active one). */
  epochId?: string;
  attempts: number;
  error?: ErrorPresentation;
  /** After 3 wrong attempts: show "forgot password" first. */
  suggestForgotPassword: boolean;
}

export interface RestoreFailureView {
  recordId: string;
  presentation: ErrorPresentation;
  copiesTried: number;
}

export interface RestoreResults {
  epochId: string;
  fromOlderPassword: boolean;
  wallets: RestoredWalletHandle[];
  failures: RestoreFailureView[];
}

export interface WalletHealthView {
  appWalletId: string;
  status: 'backed_up_verified' | 'stale' | 'older_password_only' | 'missing' | 'unreachable';
  at?: number;
  changedAt?: number;
  epochId?: string;
  error?: ErrorPresentation;
  cloudOnly: boolean;
}

export interface HealthReport {
  wallets: WalletHealthView[];
  needsAttention: number;
  cloudOnly: number;
  damagedObjects: number;
  quota?: { used: number; limit?: number };
}

/** A wallet tracked for health; persist these and hand them back with `setAppWallets`. */
export interface AppWallet {
  appWalletId: string;
  epochId?: string | null;
  recordId?: string | null;
  changedAt?: number | null;
  hasManualBackup: boolean;
}

/** What the app shows, tagged by `name`. */
export type Screen =
  | { name: 'working'; task: AppTask }
  | { name: 'first_backup'; formError?: ErrorPresentation }
  | { name: 'home'; overview: Overview; notice?: Notice }
  | { name: 'add_wallet'; prompt: PasswordPrompt }
  | { name: 'restore'; epochs: EpochView[]; prompt: PasswordPrompt }
  | { name: 'restore_results'; results: RestoreResults }
  | { name: 'forgot_password'; epochs: EpochView[]; explanation: string }
  | { name: 'new_password'; formError?: ErrorPresentation }
  | { name: 'health'; report: HealthReport }
  | { name: 'no_backups_found'; presentation: ErrorPresentation }
  | { name: 'error'; presentation: ErrorPresentation };

/** The app logic of one signed-in account (see crates/cairn-app/README.md). */
export declare class AppSession {
  private constructor();
  static googleDrive(baseUrl: string | null, accessToken: string, refreshToken?: RefreshToken): AppSession;
  static huaweiDrive(baseUrl: string | null, accessToken: string, refreshToken?: RefreshToken): AppSession;
  /** Debug builds: an emulator account, signed in by minting tokens from the control API. */
  static emulator(endpoints: EmulatorEndpoints, accountId: string, provider: 'google_drive' | 'huawei_drive'): AppSession;
  static overService(service: BackupService, provider?: CloudProvider | null): AppSession;
  static inMemory(): AppSession;
  screen(): Screen;
  refresh(): Promise<Screen>;
  beginFirstBackup(): Screen;
  submitFirstBackup(password: string, confirmation: string, wallet: WalletInput): Promise<Screen>;
  beginAddWallet(): Screen;
  submitAddWallet(password: string, wallet: WalletInput): Promise<Screen>;
  beginRestore(): Promise<Screen>;
  submitRestore(password: string, epochId?: string | null): Promise<Screen>;
  closeResults(): Screen;
  forgotPassword(): Screen;
  beginNewPassword(): Screen;
  submitNewPassword(password: string, confirmation: string): Promise<Screen>;
  checkHealth(): Promise<Screen>;
  goHome(): Screen;
  dismissError(): Screen;
  retry(): Promise<Screen>;
  appWallets(): AppWallet[];
  setAppWallets(wallets: AppWallet[]): void;
  close(): void;
}
