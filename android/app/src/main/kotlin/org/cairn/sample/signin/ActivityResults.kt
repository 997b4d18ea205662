package org.cairn.sample.signin

import android.app.PendingIntent
import android.content.Intent
import androidx.activity.ComponentActivity
import androidx.activity.result.ActivityResult
import androidx.activity.result.IntentSenderRequest
import androidx.activity.result.contract.ActivityResultContracts
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.sync.Mutex
import kotlinx.coroutines.sync.withLock
import kotlinx.coroutines.withContext

/**
 * The sign-in SDKs hand back "show this to the user" as a PendingIntent (Google) or an Intent
 * (HMS). This turns showing it into a suspend call the token providers can await. Register it
 * in the activity before it is started (Activity Result API rule). The core calls token
 * providers from its own threads, so launching hops to the main thread.
 */
class ActivityResults(activity: ComponentActivity) {
    private var pending: CompletableDeferred<ActivityResult>? = null
    // One consent screen at a time; a second caller waits for the first to finish.
    private val oneAtATime = Mutex()

    private val senderLauncher =
        activity.registerForActivityResult(ActivityResultContracts.StartIntentSenderForResult()) { complete(it) }
    private val intentLauncher =
        activity.registerForActivityResult(ActivityResultContracts.StartActivityForResult()) { complete(it) }

    private fun complete(result: ActivityResult) {
        pending?.complete(result)
        pending = null
    }

    /** Shows a Google consent PendingIntent and returns its result intent (null = cancelled). */
    suspend fun launch(intent: PendingIntent): Intent? = oneAtATime.withLock {
        val result = withContext(Dispatchers.Main) {
            CompletableDeferred<ActivityResult>().also {
                pending = it
                senderLauncher.launch(IntentSenderRequest.Builder(intent.intentSender).build())
            }
        }
        result.await().data
    }

    /** Starts an HMS sign-in Intent and returns its result intent (null = cancelled). */
    suspend fun launch(intent: Intent): Intent? = oneAtATime.withLock {
        val result = withContext(Dispatchers.Main) {
            CompletableDeferred<ActivityResult>().also {
                pending = it
                intentLauncher.launch(intent)
            }
        }
        result.await().data
    }
}
