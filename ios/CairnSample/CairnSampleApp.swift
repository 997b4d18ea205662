// The Cairn iOS sample: a thin SwiftUI shell over cairn-app (through the Cairn package).

import GoogleSignIn
import SwiftUI

@main
struct CairnSampleApp: App {
    @StateObject private var model = AppModel()

    var body: some Scene {
        WindowGroup {
            ContentView(model: model)
                // Google's consent page returns to the app through its reversed-client-id URL.
                .onOpenURL { url in _ = GIDSignIn.sharedInstance.handle(url) }
                .task { await model.showProviders() }
        }
    }
}
