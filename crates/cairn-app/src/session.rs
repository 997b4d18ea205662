//! The screen state machine of one signed-in account. Every action is async, never fails, and
//! returns the next [`Screen`]; failures become prompts with an error or an error screen with
//! its actions. The session keeps no password, phrase or key: secrets pass through each call as
//! the core's secret types, and restored wallets live in handles wiped when their screen closes.

use std::sync::{Arc, Mutex, PoisonError};

use cairn_core::{
    BackupPassword, BackupReceipt, BackupRef, BackupService, CairnError, EpochId, ErrorKind, HealthStatus,
    Inventory, PasswordPolicy, Quota, RecordId, WalletHealth, WalletHealthQuery,
};
use subtle::ConstantTimeEq;

use crate::present::{ErrorPresentation, present};
use crate::provider::CloudProvider;
use crate::wallet::{RestoredWalletHandle, WalletInput};

/// After this many wrong passwords in a row the prompt pushes "forgot password" forward.
pub const SUGGEST_FORGOT_AFTER: u32 = 3;

/// What the app is busy with (a spinner's caption).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppTask {
    /// Reading the account's backups.
    Loading,
    /// Setting the first backup password.
    CreatingFirstPassword,
    /// Deriving the key from the typed password and checking it against the cloud copy.
    VerifyingPassword,
    /// Uploading a wallet, reading it back and comparing.
    BackingUp,
    /// Downloading and decrypting wallets.
    Restoring,
    /// Setting a new backup password (a new epoch).
    StartingNewPassword,
    /// Checking backup health.
    CheckingHealth,
}

/// One epoch (one backup password), as the screens list it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EpochView {
    /// Its id.
    pub epoch_id: EpochId,
    /// Whether new backups go here (the current password).
    pub is_active: bool,
    /// When it was created.
    pub born_at: u64,
    /// When its password was last set.
    pub password_set_at: Option<u64>,
    /// Wallets backed up under it.
    pub wallet_count: usize,
    /// The newest backup in it.
    pub last_backup_at: Option<u64>,
}

/// The account at a glance (home screen).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Overview {
    /// The current password's epoch.
    pub active_epoch: Option<EpochId>,
    /// Wallets backed up under the current password.
    pub active_wallets: usize,
    /// Wallets that exist only under older passwords.
    pub older_password_wallets: usize,
    /// Every epoch, the active one first.
    pub epochs: Vec<EpochView>,
    /// Damaged or unreadable backup objects (the health screen explains).
    pub damaged_objects: usize,
    /// The newest backup time.
    pub last_backup_at: Option<u64>,
}

impl Overview {
    fn from_inventory(inventory: &Inventory) -> Self {
        let epochs: Vec<EpochView> = inventory.epochs.iter().map(epoch_view).collect();
        Overview {
            active_epoch: inventory.active_epoch,
            active_wallets: inventory.active().map_or(0, |e| e.wallet_count),
            older_password_wallets: inventory
                .epochs
                .iter()
                .filter(|e| !e.is_active)
                .map(|e| e.wallet_count)
                .sum(),
            last_backup_at: epochs.iter().filter_map(|e| e.last_backup_at).max(),
            epochs,
            damaged_objects: inventory.problems.len(),
        }
    }
}

fn epoch_view(e: &cairn_core::EpochSummary) -> EpochView {
    EpochView {
        epoch_id: e.epoch_id,
        is_active: e.is_active,
        born_at: e.born_at,
        password_set_at: e.password_set_at,
        wallet_count: e.wallet_count,
        last_backup_at: e.last_backup_at,
    }
}

/// A one-off message on the home screen after something succeeded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    /// The first password was set and the first wallet backed up and verified.
    FirstBackupDone {
        /// Its receipt (keep the ids for health checks).
        receipt: BackupReceipt,
    },
    /// A wallet was backed up (after the password was verified) and read back identical.
    WalletBackedUp {
        /// Its receipt.
        receipt: BackupReceipt,
    },
    /// A new backup password is active; wallets must be backed up again under it.
    NewPasswordStarted {
        /// The new epoch.
        epoch_id: EpochId,
        /// Wallets still only under older passwords (restorable with the old password).
        older_password_wallets: usize,
    },
    /// The restore results were closed and their secrets wiped.
    RestoreClosed {
        /// How many wallet handles were wiped.
        wiped: usize,
    },
}

/// A password prompt (add a wallet, restore).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasswordPrompt {
    /// The epoch the password must open (`None` = the active one).
    pub epoch_id: Option<EpochId>,
    /// Wrong passwords so far on this prompt.
    pub attempts: u32,
    /// The last problem (wrong password, invalid phrase, …).
    pub error: Option<ErrorPresentation>,
    /// Show "forgot password" prominently (after [`SUGGEST_FORGOT_AFTER`] wrong attempts).
    pub suggest_forgot_password: bool,
}

impl PasswordPrompt {
    fn fresh(epoch_id: Option<EpochId>) -> Self {
        PasswordPrompt { epoch_id, attempts: 0, error: None, suggest_forgot_password: false }
    }
}

/// A new-password form (first backup, forgot password).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PasswordForm {
    /// Why the last submit was refused (policy, mismatch, invalid phrase, …).
    pub error: Option<ErrorPresentation>,
}

/// A wallet that could not be restored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RestoreFailureView {
    /// Its record id.
    pub record_id: RecordId,
    /// What to tell the user.
    pub presentation: ErrorPresentation,
    /// Copies tried.
    pub copies_tried: usize,
}

/// The restore results screen. Holds the restored-wallet handles: the only secrets a screen
/// carries, wiped when the screen is left.
#[derive(Debug, Clone)]
pub struct RestoreResults {
    /// The epoch restored.
    pub epoch_id: EpochId,
    /// Whether that was an older password's epoch (wallets should be backed up again under the
    /// current password).
    pub from_older_password: bool,
    /// Restored wallets, oldest backup first.
    pub wallets: Vec<Arc<RestoredWalletHandle>>,
    /// Wallets that could not be restored.
    pub failures: Vec<RestoreFailureView>,
}

/// The health screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HealthReport {
    /// One entry per wallet the app told the session about.
    pub wallets: Vec<WalletHealth>,
    /// Wallets that are missing, stale or only under an older password.
    pub needs_attention: usize,
    /// Wallets whose only copy is the cloud backup (not written down).
    pub cloud_only: usize,
    /// Damaged backup objects in the account.
    pub damaged_objects: usize,
    /// Storage use, when the provider said.
    pub quota: Option<Quota>,
}

/// What the app shows. Shells render it and call the session's actions.
#[derive(Debug, Clone)]
pub enum Screen {
    /// Busy.
    Working {
        /// With what.
        task: AppTask,
    },
    /// No backup yet: set + confirm a password (strength shown), and the first wallet.
    FirstBackup {
        /// The form's state.
        form: PasswordForm,
    },
    /// The account's backups.
    Home {
        /// At a glance.
        overview: Overview,
        /// What just succeeded.
        notice: Option<Notice>,
    },
    /// Add a wallet: the password is re-entered and verified before anything is uploaded.
    AddWallet {
        /// The prompt.
        prompt: PasswordPrompt,
    },
    /// Restore: choose the password's epoch (the current one preselected) and enter it.
    Restore {
        /// The backups there are.
        epochs: Vec<EpochView>,
        /// The prompt.
        prompt: PasswordPrompt,
    },
    /// What was restored.
    RestoreResults {
        /// The results (with wallet handles).
        results: RestoreResults,
    },
    /// "Forgot password" explained before anything changes.
    ForgotPassword {
        /// Backups that stay restorable with their old password.
        existing_epochs: Vec<EpochView>,
        /// What happens (secret-free English text).
        explanation: String,
    },
    /// Choose the new backup password.
    NewPassword {
        /// The form's state.
        form: PasswordForm,
    },
    /// Per-wallet backup health.
    Health {
        /// The report.
        report: HealthReport,
    },
    /// The signed-in account holds no backups although the user came to restore: probably the
    /// wrong account.
    NoBackupsFound {
        /// Guidance (primary: switch account; also: set up a new backup).
        presentation: ErrorPresentation,
    },
    /// A failure that is not a prompt's: storage full, sign in again, network, …
    Error {
        /// What to show and offer.
        presentation: ErrorPresentation,
    },
}

impl Screen {
    /// The screen's name in snake_case (logs, tests, the N-API `type` tag).
    pub const fn name(&self) -> &'static str {
        match self {
            Screen::Working { .. } => "working",
            Screen::FirstBackup { .. } => "first_backup",
            Screen::Home { .. } => "home",
            Screen::AddWallet { .. } => "add_wallet",
            Screen::Restore { .. } => "restore",
            Screen::RestoreResults { .. } => "restore_results",
            Screen::ForgotPassword { .. } => "forgot_password",
            Screen::NewPassword { .. } => "new_password",
            Screen::Health { .. } => "health",
            Screen::NoBackupsFound { .. } => "no_backups_found",
            Screen::Error { .. } => "error",
        }
    }

    /// The error shown on this screen, if any (a prompt's, a form's or the error screen's).
    pub fn error(&self) -> Option<&ErrorPresentation> {
        match self {
            Screen::FirstBackup { form } | Screen::NewPassword { form } => form.error.as_ref(),
            Screen::AddWallet { prompt } | Screen::Restore { prompt, .. } => prompt.error.as_ref(),
            Screen::NoBackupsFound { presentation } | Screen::Error { presentation } => Some(presentation),
            _ => None,
        }
    }
}

/// What `retry` repeats: only actions that need no secret (the others go back to their prompt).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Replay {
    Refresh,
    BeginRestore,
    CheckHealth,
}

#[derive(Debug)]
struct State {
    screen: Screen,
    /// Where `dismiss_error` and `retry` go for an action that needed a secret.
    resume: Option<Screen>,
    replay: Option<Replay>,
    overview: Overview,
    wallets: Vec<WalletHealthQuery>,
}

/// One signed-in account's app logic over a [`BackupService`].
#[derive(Debug)]
pub struct AppSession {
    service: BackupService,
    provider: Option<CloudProvider>,
    policy: PasswordPolicy,
    state: Mutex<State>,
}

const FORGOT_EXPLANATION: &str = "Nobody can reset a backup password, not even us or your cloud \
provider. You can set a new one: new backups will use it. Your existing backups stay in your \
cloud, and if you remember the old password later, you can still restore them with it. After \
setting the new password, back up each wallet again.";

impl AppSession {
    /// A session over `service`. `provider` (when known) makes guidance name the right cloud.
    pub fn new(service: BackupService, provider: Option<CloudProvider>) -> Self {
        Self::with_policy(service, provider, PasswordPolicy::default())
    }

    /// A session whose new passwords must meet `policy` (e.g. one refusing the wallet password).
    pub fn with_policy(
        service: BackupService,
        provider: Option<CloudProvider>,
        policy: PasswordPolicy,
    ) -> Self {
        AppSession {
            service,
            provider,
            policy,
            state: Mutex::new(State {
                screen: Screen::Working { task: AppTask::Loading },
                resume: None,
                replay: Some(Replay::Refresh),
                overview: Overview::default(),
                wallets: Vec::new(),
            }),
        }
    }

    /// The service (for what the screens do not cover: export, delete, …).
    pub fn service(&self) -> &BackupService {
        &self.service
    }

    /// The cloud this session is signed in to, if the app said.
    pub fn provider(&self) -> Option<CloudProvider> {
        self.provider
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The current screen.
    pub fn screen(&self) -> Screen {
        self.lock().screen.clone()
    }

    /// The app's wallets whose health the session tracks (persist them; hand them back with
    /// [`set_app_wallets`](Self::set_app_wallets) on the next start).
    pub fn app_wallets(&self) -> Vec<WalletHealthQuery> {
        self.lock().wallets.clone()
    }

    /// Tells the session about the app's wallets and their last backup references.
    pub fn set_app_wallets(&self, wallets: Vec<WalletHealthQuery>) {
        self.lock().wallets = wallets;
    }

    /// Shows `screen`; leaving a results screen wipes its wallets.
    fn show(&self, screen: Screen) -> Screen {
        let mut state = self.lock();
        let old = std::mem::replace(&mut state.screen, screen.clone());
        if !matches!(screen, Screen::RestoreResults { .. }) {
            wipe_results(&old);
            if let Some(resume) = &state.resume {
                wipe_results(resume);
            }
        }
        screen
    }

    fn working(&self, task: AppTask) {
        self.show(Screen::Working { task });
    }

    /// An error screen; `resume` is where dismissing it goes (a prompt to re-enter secrets).
    fn fail(&self, error: &CairnError, resume: Option<Screen>, replay: Option<Replay>) -> Screen {
        {
            let mut state = self.lock();
            state.resume = resume;
            state.replay = replay;
        }
        self.show(Screen::Error { presentation: present(error, self.provider) })
    }

    fn present(&self, error: &CairnError) -> ErrorPresentation {
        present(error, self.provider)
    }

    fn home(&self, notice: Option<Notice>) -> Screen {
        let overview = self.lock().overview.clone();
        self.show(Screen::Home { overview, notice })
    }

    /// Reads the inventory and remembers its overview.
    async fn load(&self) -> Result<Inventory, CairnError> {
        let inventory = self.service.inventory().await?;
        self.lock().overview = Overview::from_inventory(&inventory);
        Ok(inventory)
    }

    /// Start or refresh: no backups → first backup; else home.
    pub async fn refresh(&self) -> Screen {
        self.working(AppTask::Loading);
        match self.load().await {
            Ok(inventory) if inventory.is_empty() => {
                self.show(Screen::FirstBackup { form: PasswordForm::default() })
            }
            Ok(_) => self.home(None),
            Err(error) => self.fail(&error, None, Some(Replay::Refresh)),
        }
    }

    /// Goes to the first-backup form (e.g. from "no backups found": set up a new backup).
    pub fn begin_first_backup(&self) -> Screen {
        self.show(Screen::FirstBackup { form: PasswordForm::default() })
    }

    fn form_check(
        &self,
        password: &BackupPassword,
        confirmation: &BackupPassword,
    ) -> Option<ErrorPresentation> {
        if let Err(policy) = self.policy.check(password) {
            return Some(self.present(&CairnError::PasswordPolicy(policy)));
        }
        if !bool::from(password.ct_eq(confirmation)) {
            let mismatch = CairnError::InvalidInput { what: "the two passwords differ".to_owned() };
            let mut shown = self.present(&mismatch);
            shown.title = "Passwords differ".to_owned();
            shown.message = "The two passwords are not the same.".to_owned();
            shown.hint = "Type the same password in both fields.".to_owned();
            return Some(shown);
        }
        None
    }

    /// First backup: checks the form, sets the first password, backs up `wallet` (uploaded, read
    /// back, compared) → home. If another device set a password meanwhile, this becomes the
    /// add-wallet prompt for that password.
    pub async fn submit_first_backup(
        &self,
        password: BackupPassword,
        confirmation: BackupPassword,
        wallet: WalletInput,
    ) -> Screen {
        let form_error = |error| Screen::FirstBackup { form: PasswordForm { error: Some(error) } };
        if let Some(problem) = self.form_check(&password, &confirmation) {
            return self.show(form_error(problem));
        }
        let request = match wallet.to_request() {
            Ok(request) => request,
            Err(error) => return self.show(form_error(self.present(&error))),
        };
        self.working(AppTask::CreatingFirstPassword);
        let unlocked = match self.service.create_first_password(password, &self.policy).await {
            Ok(unlocked) => unlocked,
            Err(CairnError::BackupExists) => {
                let _ = self.load().await;
                let prompt = PasswordPrompt {
                    error: Some(self.present(&CairnError::BackupExists)),
                    ..PasswordPrompt::fresh(None)
                };
                return self.show(Screen::AddWallet { prompt });
            }
            Err(error) => {
                let resume = Screen::FirstBackup { form: PasswordForm::default() };
                return self.fail(&error, Some(resume), None);
            }
        };
        self.working(AppTask::BackingUp);
        let result = unlocked.backup_wallet(&request).await;
        drop(unlocked);
        match result {
            Ok(receipt) => {
                self.track(&wallet, &receipt);
                let _ = self.load().await;
                self.home(Some(Notice::FirstBackupDone { receipt }))
            }
            // The password exists now: a retry is an add-wallet.
            Err(error) => {
                self.fail(&error, Some(Screen::AddWallet { prompt: PasswordPrompt::fresh(None) }), None)
            }
        }
    }

    fn track(&self, wallet: &WalletInput, receipt: &BackupReceipt) {
        let Some(id) = &wallet.app_wallet_id else { return };
        let mut state = self.lock();
        let backup = Some(BackupRef::from(receipt));
        match state.wallets.iter_mut().find(|w| &w.app_wallet_id == id) {
            Some(known) => {
                known.backup = backup;
                known.changed_at = None;
            }
            None => state.wallets.push(WalletHealthQuery {
                app_wallet_id: id.clone(),
                backup,
                changed_at: None,
                has_manual_backup: false,
            }),
        }
    }

    /// Opens the add-wallet prompt (password re-entry).
    pub fn begin_add_wallet(&self) -> Screen {
        self.show(Screen::AddWallet { prompt: PasswordPrompt::fresh(None) })
    }

    fn current_prompt(&self, want_restore: bool) -> PasswordPrompt {
        match &self.lock().screen {
            Screen::AddWallet { prompt } if !want_restore => prompt.clone(),
            Screen::Restore { prompt, .. } if want_restore => prompt.clone(),
            _ => PasswordPrompt::fresh(None),
        }
    }

    fn wrong_password(&self, mut prompt: PasswordPrompt, error: &CairnError) -> PasswordPrompt {
        prompt.attempts = prompt.attempts.saturating_add(1);
        prompt.suggest_forgot_password = prompt.attempts >= SUGGEST_FORGOT_AFTER;
        let mut shown = self.present(error);
        if prompt.suggest_forgot_password {
            // Demanding users get the way out first once retyping clearly is not working.
            shown.secondary.retain(|a| *a != crate::RecoveryAction::ForgotPassword);
            shown.secondary.insert(0, shown.primary);
            shown.primary = crate::RecoveryAction::ForgotPassword;
        }
        prompt.error = Some(shown);
        prompt
    }

    /// Adds a wallet: unlocks the active epoch with `password` (verify-before-add: a wrong
    /// password keeps the prompt, counting attempts, and nothing is uploaded), then backs the
    /// wallet up with read-back verification → home.
    pub async fn submit_add_wallet(&self, password: BackupPassword, wallet: WalletInput) -> Screen {
        let prompt = self.current_prompt(false);
        let request = match wallet.to_request() {
            Ok(request) => request,
            Err(error) => {
                let prompt = PasswordPrompt { error: Some(self.present(&error)), ..prompt };
                return self.show(Screen::AddWallet { prompt });
            }
        };
        self.working(AppTask::VerifyingPassword);
        let unlocked = match self.service.unlock(password, None).await {
            Ok(unlocked) => unlocked,
            Err(error @ CairnError::WrongPassword) => {
                return self.show(Screen::AddWallet { prompt: self.wrong_password(prompt, &error) });
            }
            Err(CairnError::NoBackupsFound) => return self.begin_first_backup(),
            Err(error) => return self.fail(&error, Some(Screen::AddWallet { prompt }), None),
        };
        self.working(AppTask::BackingUp);
        let result = unlocked.backup_wallet(&request).await;
        drop(unlocked);
        match result {
            Ok(receipt) => {
                self.track(&wallet, &receipt);
                let _ = self.load().await;
                self.home(Some(Notice::WalletBackedUp { receipt }))
            }
            Err(error) => {
                let resume = Screen::AddWallet { prompt: PasswordPrompt::fresh(None) };
                self.fail(&error, Some(resume), None)
            }
        }
    }

    /// Opens the restore prompt: empty account → "no backups found" (switch-account guidance).
    pub async fn begin_restore(&self) -> Screen {
        self.working(AppTask::Loading);
        match self.load().await {
            Ok(inventory) if inventory.is_empty() => {
                self.show(Screen::NoBackupsFound { presentation: self.present(&CairnError::NoBackupsFound) })
            }
            Ok(inventory) => {
                let epochs = inventory.epochs.iter().map(epoch_view).collect();
                self.show(Screen::Restore { epochs, prompt: PasswordPrompt::fresh(inventory.active_epoch) })
            }
            Err(error) => self.fail(&error, None, Some(Replay::BeginRestore)),
        }
    }

    /// Restores every wallet of `epoch` (`None`: the active one; an older one after a forgotten
    /// password was replaced) → results. A wrong password keeps the prompt with the attempt
    /// count.
    pub async fn submit_restore(&self, password: BackupPassword, epoch: Option<EpochId>) -> Screen {
        let (epochs, prompt) = match &self.lock().screen {
            Screen::Restore { epochs, prompt } => (epochs.clone(), prompt.clone()),
            _ => (Vec::new(), PasswordPrompt::fresh(None)),
        };
        // A different epoch chosen: its own attempt count.
        let prompt = if prompt.epoch_id == epoch || epoch.is_none() {
            PasswordPrompt { epoch_id: epoch.or(prompt.epoch_id), ..prompt }
        } else {
            PasswordPrompt::fresh(epoch)
        };
        self.working(AppTask::VerifyingPassword);
        let unlocked = match self.service.unlock(password, epoch).await {
            Ok(unlocked) => unlocked,
            Err(error @ CairnError::WrongPassword) => {
                return self.show(Screen::Restore { epochs, prompt: self.wrong_password(prompt, &error) });
            }
            Err(CairnError::NoBackupsFound) => {
                return self.show(Screen::NoBackupsFound {
                    presentation: self.present(&CairnError::NoBackupsFound),
                });
            }
            Err(error) => return self.fail(&error, Some(Screen::Restore { epochs, prompt }), None),
        };
        self.working(AppTask::Restoring);
        let result = unlocked.restore_all().await;
        let epoch_id = unlocked.epoch_id();
        drop(unlocked);
        match result {
            Ok(report) => {
                let active = self.lock().overview.active_epoch;
                let results = RestoreResults {
                    epoch_id,
                    from_older_password: active.is_some_and(|a| a != epoch_id),
                    wallets: report
                        .wallets
                        .into_iter()
                        .map(|w| Arc::new(RestoredWalletHandle::new(w)))
                        .collect(),
                    failures: report
                        .failures
                        .iter()
                        .map(|f| RestoreFailureView {
                            record_id: f.record_id,
                            presentation: self.present(&f.error),
                            copies_tried: f.copies_tried,
                        })
                        .collect(),
                };
                self.lock().resume = None;
                self.show(Screen::RestoreResults { results })
            }
            Err(error) => {
                let resume = Screen::Restore { epochs, prompt: PasswordPrompt::fresh(Some(epoch_id)) };
                self.fail(&error, Some(resume), None)
            }
        }
    }

    /// Closes the restore results (wiping every restored wallet) → home.
    pub fn close_results(&self) -> Screen {
        let wiped = match &self.lock().screen {
            Screen::RestoreResults { results } => results.wallets.len(),
            _ => 0,
        };
        self.home(Some(Notice::RestoreClosed { wiped }))
    }

    /// "I forgot my password": explains what happens; nothing changes yet.
    pub fn forgot_password(&self) -> Screen {
        let existing_epochs = self.lock().overview.epochs.clone();
        self.show(Screen::ForgotPassword { existing_epochs, explanation: FORGOT_EXPLANATION.to_owned() })
    }

    /// Confirms "forgot password": the new-password form.
    pub fn begin_new_password(&self) -> Screen {
        self.show(Screen::NewPassword { form: PasswordForm::default() })
    }

    /// Sets a new backup password: a new epoch becomes the active one; older backups stay
    /// restorable with their old password → home (wallets to back up again are counted).
    pub async fn submit_new_password(
        &self,
        password: BackupPassword,
        confirmation: BackupPassword,
    ) -> Screen {
        if let Some(problem) = self.form_check(&password, &confirmation) {
            return self.show(Screen::NewPassword { form: PasswordForm { error: Some(problem) } });
        }
        self.working(AppTask::StartingNewPassword);
        match self.service.start_new_epoch(password, &self.policy).await {
            Ok(unlocked) => {
                let epoch_id = unlocked.epoch_id();
                drop(unlocked);
                let _ = self.load().await;
                let older_password_wallets = self.lock().overview.older_password_wallets;
                self.home(Some(Notice::NewPasswordStarted { epoch_id, older_password_wallets }))
            }
            Err(error) => {
                self.fail(&error, Some(Screen::NewPassword { form: PasswordForm::default() }), None)
            }
        }
    }

    /// Per-wallet health of the app's wallets (from one listing), damaged objects and storage.
    /// A sign-in or provider problem becomes its error screen.
    pub async fn check_health(&self) -> Screen {
        self.working(AppTask::CheckingHealth);
        let inventory = match self.load().await {
            Ok(inventory) => inventory,
            Err(error) => return self.fail(&error, None, Some(Replay::CheckHealth)),
        };
        let queries = self.app_wallets();
        let wallets = self.service.health(&queries).await;
        if let Some(error) = wallets.iter().find_map(|w| match &w.status {
            HealthStatus::Unreachable { error } => Some(error.clone()),
            _ => None,
        }) {
            return self.fail(&error, None, Some(Replay::CheckHealth));
        }
        let needs_attention = wallets
            .iter()
            .filter(|w| {
                matches!(
                    w.status,
                    HealthStatus::Missing
                        | HealthStatus::Stale { .. }
                        | HealthStatus::OlderPasswordOnly { .. }
                )
            })
            .count();
        let report = HealthReport {
            needs_attention,
            cloud_only: wallets.iter().filter(|w| w.cloud_only).count(),
            damaged_objects: inventory.problems.len(),
            quota: self.service.storage_quota().await.ok(),
            wallets,
        };
        self.show(Screen::Health { report })
    }

    /// Back to home from health, forgot-password or any screen (cached overview, no network).
    pub fn go_home(&self) -> Screen {
        self.home(None)
    }

    /// Leaves an error screen: back to the prompt it interrupted (secrets must be re-entered),
    /// else home (or the first-backup form when the account is empty).
    pub fn dismiss_error(&self) -> Screen {
        let resume = {
            let mut state = self.lock();
            state.replay = None;
            state.resume.take()
        };
        match resume {
            Some(screen) => self.show(screen),
            None => self.home(None),
        }
    }

    /// The error screen's "Try again": repeats a secret-free action (refresh, open restore,
    /// health), else returns to the interrupted prompt.
    pub async fn retry(&self) -> Screen {
        let replay = self.lock().replay;
        match replay {
            Some(Replay::Refresh) => self.refresh().await,
            Some(Replay::BeginRestore) => self.begin_restore().await,
            Some(Replay::CheckHealth) => self.check_health().await,
            None => self.dismiss_error(),
        }
    }

    /// Ends the session: wipes any restored wallets still on screen.
    pub fn close(&self) {
        let mut state = self.lock();
        wipe_results(&state.screen);
        if let Some(resume) = &state.resume {
            wipe_results(resume);
        }
        state.screen = Screen::Working { task: AppTask::Loading };
    }
}

impl Drop for AppSession {
    fn drop(&mut self) {
        self.close();
    }
}

fn wipe_results(screen: &Screen) {
    if let Screen::RestoreResults { results } = screen {
        for wallet in &results.wallets {
            wallet.wipe();
        }
    }
}

/// Whether an error kind is about the sign-in (the shell should run its sign-in again).
pub fn needs_sign_in(kind: ErrorKind) -> bool {
    matches!(kind, ErrorKind::NotSignedIn | ErrorKind::ReauthRequired)
}
