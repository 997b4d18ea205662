package org.cairn.sample

import android.os.Bundle
import android.view.WindowManager
import androidx.activity.ComponentActivity
import androidx.activity.compose.setContent
import androidx.activity.viewModels
import org.cairn.core.ktx.CairnHttp
import org.cairn.sample.signin.ActivityResults
import org.cairn.sample.ui.CairnApp

class MainActivity : ComponentActivity() {
    private val viewModel: CairnViewModel by viewModels()

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        // Cairn sends its Drive requests through the app's HTTP stack (OkHttp, ADR 0007); without
        // a client every provider reports "provider unavailable". Idempotent.
        CairnHttp.installDefault()
        // Restored phrases and typed passwords must not end up in screenshots or the recents view.
        window.setFlags(WindowManager.LayoutParams.FLAG_SECURE, WindowManager.LayoutParams.FLAG_SECURE)
        // Registered before the activity starts, as the Activity Result API requires.
        val results = ActivityResults(this)
        if (viewModel.state.value == null) viewModel.showProviders(this)
        setContent { CairnApp(viewModel, this, results) }
    }
}
