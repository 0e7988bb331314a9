// Checks that an ontology (and its imports closure) is in the OWL 2 DL profile, using the
// OWL API bundled with owlready2's HermiT.jar. Run with Java 11+ as a single-file program:
//   java -cp .../owlready2/hermit/HermiT.jar ProfileCheck.java ONTOLOGY.owl IMPORT_IRI=FILE ...
// Prints one line per violation and exits 1 if there is any, 0 otherwise.
import java.io.File;
import org.semanticweb.owlapi.apibinding.OWLManager;
import org.semanticweb.owlapi.model.IRI;
import org.semanticweb.owlapi.model.OWLOntology;
import org.semanticweb.owlapi.model.OWLOntologyManager;
import org.semanticweb.owlapi.profiles.OWL2DLProfile;
import org.semanticweb.owlapi.profiles.OWLProfileReport;
import org.semanticweb.owlapi.profiles.OWLProfileViolation;
import org.semanticweb.owlapi.util.SimpleIRIMapper;

public class ProfileCheck {
    public static void main(String[] args) throws Exception {
        OWLOntologyManager manager = OWLManager.createOWLOntologyManager();
        for (int i = 1; i < args.length; i++) {
            String[] pair = args[i].split("=", 2);
            manager.addIRIMapper(new SimpleIRIMapper(IRI.create(pair[0]), IRI.create(new File(pair[1]))));
        }
        OWLOntology ontology = manager.loadOntologyFromOntologyDocument(new File(args[0]));
        OWLProfileReport report = new OWL2DLProfile().checkOntology(ontology);
        for (OWLProfileViolation violation : report.getViolations()) {
            System.out.println("violation: " + violation);
        }
        System.out.println("axioms: " + ontology.getAxiomCount() + ", in OWL 2 DL: " + report.isInProfile());
        System.exit(report.isInProfile() ? 0 : 1);
    }
}
