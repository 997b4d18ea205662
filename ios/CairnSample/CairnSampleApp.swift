// The Cairn iOS sample: a thin SwiftUI shell over cairn-app (through the Cairn package).

import Cairn
import GoogleSignIn
import SwiftUI

@main
struct CairnSampleApp: App {
    @StateObject private var model = AppModel()

    init() {
        // Cairn sends its Drive requests through URLSession (ADR 0007); without a client every
        // REST provider reports "provider unavailable". Idempotent.
        CairnHTTP.installDefault()
    }

    var body: some Scene {
        WindowGroup {
            ContentView(model: model)
                // Google's consent page returns to the app through its reversed-client-id URL.
                .onOpenURL { url in _ = GIDSignIn.sharedInstance.handle(url) }
                .task { await model.showProviders() }
        }
    }
}
